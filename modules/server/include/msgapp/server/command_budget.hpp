// A session's command rate: a token bucket that says how long to stop reading, never what to drop.
#pragma once

#include <chrono>
#include <cstddef>
#include <limits>

namespace msgapp::server {

// Holds up to `burst` tokens and gains `per_second` of them each second; a command spends
// what the hub says it cost (hub_state::command). Spending may overdraw it: the debt is paid
// by waiting. Plain state with the time passed in, so tests drive it with a fake clock.
//
// Kept as the moment the bucket will be full again (the "theoretical arrival time" of GCRA)
// rather than as a count: one integer, exact at every rate, and refilling costs nothing.
class command_budget {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

  // per_second 0: no limit at all (available() is always `unlimited`, wait() always zero).
  command_budget(std::size_t burst, std::size_t per_second);

  bool limited() const { return per_token_.count() > 0; }
  // Whole tokens there now: 0 while in debt.
  std::size_t available(clock::time_point now) const;
  void spend(std::size_t cost, clock::time_point now);
  // How long until at least one token is there again: zero when one is there now.
  clock::duration wait(clock::time_point now) const;

 private:
  clock::duration per_token_;  // refill time of one token; zero when unlimited
  clock::duration depth_;      // refill time of a whole burst
  clock::time_point full_at_{};
};

}  // namespace msgapp::server
