// The one-time tokens a client has agreed to accept on its private-session listener.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace msgapp::client::p2p {

// Each entry admits exactly one connection from one user. Entries expire (the server's offers
// do too), and the book is capped twice: per user, and in all. When either cap is reached the
// oldest entry that counts against it goes, so the newest offer (the one its asker is waiting
// on) always works, and one user's offers can never push out another user's.
class token_book {
 public:
  using clock = std::chrono::steady_clock;

  token_book(std::size_t capacity, std::size_t per_user, clock::duration lifetime)
      : capacity_(capacity), per_user_(per_user), lifetime_(lifetime) {}

  void expect(std::string user, std::string token, clock::time_point now);

  // True, once, for a token expected from `user` that has not expired; the entry is used up.
  // A wrong guess uses nothing up, so it cannot cancel the real caller's entry.
  bool redeem(std::string_view user, std::string_view token, clock::time_point now);

  // The unexpired token that `match` picks, without using it up (the TLS listener's lookup
  // of a PSK identity; the hello that follows redeems it).
  std::optional<std::string> find(const std::function<bool(std::string_view token)>& match,
                                  clock::time_point now) const;

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
  std::size_t per_user_;
  clock::duration lifetime_;
  std::deque<entry> entries_;  // oldest first
};

}  // namespace msgapp::client::p2p
