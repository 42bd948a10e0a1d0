// Open connections per remote address, bounded by config::connections_per_address.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "msgapp/server/config.hpp"

namespace msgapp::server {

// 127.0.0.0/8, ::1 and their IPv4-mapped forms, as Asio's address::to_string() spells them.
bool is_loopback(std::string_view address);

class connection_counts {
 public:
  explicit connection_counts(const config& cfg);

  // Counts one more connection from `address`; false (and nothing counted) when it already
  // has as many as it may.
  bool admit(const std::string& address);
  // A connection that admit() counted has gone.
  void release(const std::string& address);
  std::size_t open(const std::string& address) const;

 private:
  bool limited(std::string_view address) const;

  std::size_t limit_;  // 0: none
  bool limit_loopback_;
  std::unordered_map<std::string, std::size_t> open_;  // only addresses with a connection
};

}  // namespace msgapp::server
