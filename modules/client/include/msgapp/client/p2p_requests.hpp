// The private sessions this client asked for (`startprivate`) and whose `private-ready` it
// still waits for: a ready that matches none of them is not followed.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace msgapp::client::p2p {

// One entry per request, for as long as the server keeps its offer. Capped: when full, the
// oldest request goes (its ready, should it still come, is then ignored).
class request_book {
 public:
  using clock = std::chrono::steady_clock;

  request_book(std::size_t capacity, clock::duration lifetime)
      : capacity_(capacity), lifetime_(lifetime) {}

  void ask(std::string peer, clock::time_point now);
  // The server refused the newest request to `peer`: no ready will come for it.
  void withdraw(std::string_view peer);
  // True, once per request, for a ready from `peer` while a request to `peer` is pending;
  // the oldest such request is used up.
  bool take(std::string_view peer, clock::time_point now);

  std::size_t size() const { return entries_.size(); }

 private:
  struct entry {
    std::string peer;
    clock::time_point expires;
  };
  void drop_expired(clock::time_point now);

  std::size_t capacity_;
  clock::duration lifetime_;
  std::deque<entry> entries_;  // oldest first
};

}  // namespace msgapp::client::p2p
