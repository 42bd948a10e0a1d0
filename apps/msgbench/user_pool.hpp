// A workload's logged-in users: bounded-concurrency login, one reader each, a guard, and teardown.
#pragma once

#include "bench_context.hpp"
#include "task_group.hpp"
#include "wake_signal.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace msgbench {

// What a workload implements to see its users' lines (PINGs are answered before this).
class line_sink {
 public:
  virtual void on_line(std::size_t user, bench_conn& conn, const parsed_line& line) = 0;
  virtual void on_closed(std::size_t /*user*/, asio::error_code /*ec*/) {}
  // The guard fired: wake every waiter so the workload can wind down.
  virtual void on_abort() {}
  // `user` has logged in, `took` after its connect began (before its reader starts).
  virtual void on_logged_in(std::size_t /*user*/, bench_clock::duration /*took*/) {}

 protected:
  ~line_sink() = default;
};

class user_pool {
 public:
  user_pool(const bench_context& ctx, line_sink& sink);

  // Connects and logs in users 0..n-1 with at most `concurrency` logins in flight, then starts
  // a reader on each. Returns how many failed; first_error() says why the first one did.
  msgapp::awaitable<std::size_t> login_all(std::size_t n, std::size_t concurrency) {
    return login_range(0, n, concurrency);
  }
  // The same for users first..last-1, keeping those already logged in.
  msgapp::awaitable<std::size_t> login_range(std::size_t first, std::size_t last,
                                             std::size_t concurrency);

  // Gives `user`'s socket a SO_RCVBUF of `bytes` when it connects.
  void set_receive_buffer(std::size_t user, int bytes) {
    small_buffer_user_ = user;
    small_buffer_bytes_ = bytes;
  }

  // Users for which `is_receiver` holds connect to ctx.receiver_target, the others to ctx.target.
  void set_receivers(std::function<bool(std::size_t user)> is_receiver) {
    is_receiver_ = std::move(is_receiver);
  }

  std::size_t size() const { return conns_.size(); }
  bool alive(std::size_t user) const { return conns_[user] && conns_[user]->is_open(); }
  bench_conn& conn(std::size_t user) { return *conns_[user]; }

  // At `deadline`, closes every connection so that no wait can outlive the run.
  void arm_guard(bench_clock::time_point deadline);
  bool timed_out() const { return timed_out_; }

  // Closes every connection and waits until the readers and the guard have ended.
  msgapp::awaitable<void> shutdown();

  const std::string& first_error() const { return first_error_; }
  void note_error(std::string why);

 private:
  msgapp::awaitable<void> login_worker(std::size_t n);
  msgapp::awaitable<void> read_lines(std::shared_ptr<bench_conn> conn, std::size_t user);
  msgapp::awaitable<void> guard(bench_clock::time_point deadline);

  const bench_context& ctx_;
  line_sink& sink_;
  std::vector<std::shared_ptr<bench_conn>> conns_;
  std::size_t next_login_ = 0;
  std::size_t failed_ = 0;
  std::string first_error_;
  bool timed_out_ = false;
  std::size_t small_buffer_user_ = static_cast<std::size_t>(-1);
  int small_buffer_bytes_ = 0;
  std::function<bool(std::size_t)> is_receiver_;
  asio::steady_timer guard_timer_;
  task_group tasks_;  // readers and the guard
};

}  // namespace msgbench
