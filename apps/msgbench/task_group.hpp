// Structured concurrency on one thread: spawn children, then wait until every one has ended.
#pragma once

#include "wake_signal.hpp"

#include <cstddef>
#include <exception>

namespace msgbench {

// Children usually reference the state of the coroutine that owns the group, so that
// coroutine must wait() before its frame goes away; the group makes that wait explicit.
class task_group {
 public:
  explicit task_group(const asio::any_io_executor& ex) : ex_(ex), done_(ex) {}

  void spawn(msgapp::awaitable<void> task) {
    ++running_;
    asio::co_spawn(ex_, std::move(task), [this](std::exception_ptr e) {
      --running_;
      if (e && !error_) error_ = e;
      done_.notify();
    });
  }

  std::size_t running() const { return running_; }

  // Waits for all children or the deadline; rethrows the first child's exception (a bug).
  msgapp::awaitable<void> wait_until(bench_clock::time_point deadline) {
    while (running_ > 0 && bench_clock::now() < deadline)
      co_await done_.wait_until(deadline);
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

  msgapp::awaitable<void> wait() { return wait_until(bench_clock::time_point::max()); }

 private:
  asio::any_io_executor ex_;
  std::size_t running_ = 0;
  wake_signal done_;
  std::exception_ptr error_;
};

}  // namespace msgbench
