// A condition variable for one thread: a timer parked at "never" that notify() cancels.
#pragma once

#include <msgapp/net.hpp>

#include <chrono>

namespace msgbench {

using bench_clock = std::chrono::steady_clock;

// One waiter per signal: a second waiter's expires_at() would cancel the first one's wait, and
// the two would wake each other forever. Waiters re-check their condition in a loop; because the
// io_context has one thread, nothing can change between that check and the wait.
class wake_signal {
 public:
  explicit wake_signal(const asio::any_io_executor& ex) : timer_(ex) {}

  void notify() { timer_.cancel(); }

  // Returns when notified or at `deadline`, whichever is first.
  msgapp::awaitable<void> wait_until(bench_clock::time_point deadline) {
    timer_.expires_at(deadline);
    co_await timer_.async_wait(msgapp::use_nothrow);
  }

  msgapp::awaitable<void> wait() { return wait_until(bench_clock::time_point::max()); }

 private:
  asio::steady_timer timer_;
};

}  // namespace msgbench
