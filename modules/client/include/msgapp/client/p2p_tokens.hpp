// The one-time tokens a client has agreed to accept on its private-session listener.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace msgapp::client::p2p {

// Each entry admits exactly one connection from one user. Entries expire (the server's offers
// do too), and the book is capped: when full, the oldest entry is dropped.
class token_book {
 public:
  using clock = std::chrono::steady_clock;

  token_book(std::size_t capacity, clock::duration lifetime)
      : capacity_(capacity), lifetime_(lifetime) {}

  void expect(std::string user, std::string token, clock::time_point now);

  // True, once, for a token expected from `user` that has not expired; the entry is used up.
  // A wrong guess uses nothing up, so it cannot cancel the real caller's entry.
  bool redeem(std::string_view user, std::string_view token, clock::time_point now);

  void clear() { entries_.clear(); }
  std::size_t size() const { return entries_.size(); }

 private:
  struct entry {
    std::string user;
    std::string token;
    clock::time_point expires;
  };
  void drop_expired(clock::time_point now);

  std::size_t capacity_;
  clock::duration lifetime_;
  std::deque<entry> entries_;  // oldest first
};

}  // namespace msgapp::client::p2p
