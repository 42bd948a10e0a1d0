// Failed logins per remote address, and when that address may try again.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "msgapp/server/config.hpp"

namespace msgapp::server {

// On top of the per-name block: an address with more than address_failures_free failures
// has its attempts admitted one at a time, login_delay_base apart at first, twice as far
// apart per further failure, at most login_delay_max. Loopback is counted like any address.
// A failure-free stretch of address_failure_memory forgets the address; the table holds at
// most address_table addresses, and the one whose last failure is oldest goes first.
class login_throttle {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit login_throttle(const config& cfg);

  // When the next attempt from `address` may be checked: `now` for an address in good
  // standing; otherwise its slot, reserved by this call, so attempts from many connections
  // of one address queue one behind the other. Nothing when that slot would be more than
  // login_delay_max away: the queue holds no more, so no attempt waits longer than that
  // (a person who mistypes never waits long) and the address's rate stays the same.
  std::optional<time_point> admit(const std::string& address, time_point now);
  // An attempt from `address` failed (wrong password, unknown or blocked name).
  void failed(const std::string& address, time_point now);
  // Forgets the addresses whose last failure is older than address_failure_memory.
  void forget_old(time_point now);

  std::size_t failures(const std::string& address, time_point now) const;
  std::size_t size() const { return records_.size(); }
  // The wait between two admitted attempts after `failures` failures.
  milliseconds spacing(std::size_t failures) const;

 private:
  struct record {
    std::size_t failures = 0;
    time_point last_failure{};
    time_point next_slot{};
    std::list<std::string>::iterator age;  // its place in by_age_
  };
  bool expired(const record& r, time_point now) const;

  std::size_t free_;
  milliseconds base_, max_, memory_;
  std::size_t capacity_;
  std::unordered_map<std::string, record> records_;
  std::list<std::string> by_age_;  // oldest last failure first
};

}  // namespace msgapp::server
