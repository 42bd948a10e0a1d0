// Login storm: connect, log in, log out and close, over and over, with a bounded number in flight.
#include "measure.hpp"
#include "task_group.hpp"
#include "workloads.hpp"

#include <fmt/format.h>

#include <memory>
#include <vector>

namespace msgbench {
namespace {

class login_storm {
 public:
  explicit login_storm(const bench_context& ctx)
      : ctx_(ctx), slots_(std::max<std::size_t>(ctx.opts.in_flight, 1)), guard_timer_(ctx.ex) {}

  msgapp::awaitable<run_result> run();

 private:
  msgapp::awaitable<void> cycle(std::size_t slot);
  msgapp::awaitable<void> guard(bench_clock::time_point deadline);
  void note_error(std::string why) {
    if (first_error_.empty()) first_error_ = std::move(why);
  }

  const bench_context& ctx_;
  std::vector<std::shared_ptr<bench_conn>> slots_;  // the connection each worker has open
  asio::steady_timer guard_timer_;
  bool stopping_ = false;
  bool timed_out_ = false;
  std::uint64_t logins_ = 0;
  std::uint64_t failures_ = 0;
  std::uint64_t logout_failures_ = 0;
  std::string first_error_;
  latency_histogram login_latency_;  // connect to logged in
};

// Slot s logs in users s, s+L, s+2L, ... (mod --users), so no name is ever online twice and
// a name comes back only after every other slot has used many others.
msgapp::awaitable<void> login_storm::cycle(std::size_t slot) {
  const auto& o = ctx_.opts;
  const std::size_t pool = std::max(o.users, slots_.size());
  for (std::size_t round = 0; !stopping_; ++round) {
    // A server that refuses every connection must not turn this loop into a spin.
    if (failures_ > 1000) break;
    const std::size_t user = (slot + round * slots_.size()) % pool;
    auto conn = std::make_shared<bench_conn>(ctx_.ex, ctx_.tls.get());
    slots_[slot] = conn;
    const auto start = bench_clock::now();
    if (auto ec = co_await conn->connect(ctx_.target)) {
      ++failures_;
      note_error(fmt::format("connect: {}", ec.message()));
      conn->close();
      continue;
    }
    std::string name = ctx_.user_name(user);
    std::string password = o.password;
    const std::string why =
        co_await ctx_.adapter.login(*conn, std::move(name), std::move(password));
    if (!why.empty()) {
      ++failures_;
      note_error(fmt::format("login {}: {}", ctx_.user_name(user), why));
      conn->close();
      continue;
    }
    login_latency_.record(
        std::chrono::duration_cast<std::chrono::nanoseconds>(bench_clock::now() - start).count());
    ++logins_;
    // Waiting for the server to close first leaves TIME_WAIT on its side, not on our ports.
    if (const std::string bye = co_await ctx_.adapter.logout(*conn); !bye.empty()) {
      ++logout_failures_;
      note_error(fmt::format("logout {}: {}", ctx_.user_name(user), bye));
    }
    conn->close();
  }
}

msgapp::awaitable<void> login_storm::guard(bench_clock::time_point deadline) {
  guard_timer_.expires_at(deadline);
  auto [ec] = co_await guard_timer_.async_wait(msgapp::use_nothrow);
  if (ec) co_return;
  timed_out_ = stopping_ = true;
  note_error("run timed out (--timeout)");
  for (auto& conn : slots_)
    if (conn) conn->close();
}

msgapp::awaitable<run_result> login_storm::run() {
  const auto& o = ctx_.opts;
  run_result result;
  report_header(result.rep, ctx_, o.workload);
  result.rep.count("in_flight", slots_.size());
  task_group tasks(ctx_.ex);
  tasks.spawn(guard(bench_clock::now() + from_seconds(o.timeout_s)));
  task_group workers(ctx_.ex);
  const auto before = take_sample(ctx_);
  for (std::size_t s = 0; s < slots_.size(); ++s)
    workers.spawn(cycle(s));
  co_await workers.wait_until(before.at + from_seconds(o.duration_s));
  // Logins already started finish; the window ends when the last of them has.
  stopping_ = true;
  co_await workers.wait();
  const auto after = take_sample(ctx_);
  guard_timer_.cancel();
  co_await tasks.wait();

  report_window(result.rep, before, after, logins_, "login");  // not protocol: a report key
  result.rep.count("logins", logins_);
  result.rep.count("login_failures", failures_);
  result.rep.count("logout_failures", logout_failures_);
  result.rep.latency("login_latency", login_latency_);
  result.ok = logins_ > 0 && failures_ == 0 && logout_failures_ == 0 && !timed_out_;
  result.rep.outcome(result.ok, first_error_);
  co_return result;
}

}  // namespace

msgapp::awaitable<run_result> run_login_storm(bench_context ctx) {
  login_storm storm(ctx);
  co_return co_await storm.run();
}

}  // namespace msgbench
