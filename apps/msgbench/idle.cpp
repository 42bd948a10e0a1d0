// Idle connections: log in C users that then say nothing, and charge the server's RSS growth to
// them.
#include "measure.hpp"
#include "user_pool.hpp"
#include "workloads.hpp"

#include <fmt/format.h>

namespace msgbench {
namespace {

using namespace std::chrono_literals;

class idle_run final : public line_sink {
 public:
  explicit idle_run(const bench_context& ctx) : ctx_(ctx), pool_(ctx, *this), quiet_(ctx.ex) {}

  msgapp::awaitable<run_result> run();

  void on_line(std::size_t, bench_conn&, const parsed_line& line) override {
    ++lines_;
    if (line.kind == line_kind::closing || line.kind == line_kind::reply_error) {
      ++errors_;
      pool_.note_error(std::string(line.text));
    }
  }
  void on_closed(std::size_t user, asio::error_code ec) override {
    if (shutting_down_ || pool_.timed_out()) return;
    ++unexpected_closes_;
    pool_.note_error(fmt::format("{} disconnected: {}", ctx_.user_name(user), ec.message()));
  }

 private:
  msgapp::awaitable<void> wait_until_quiet(bench_clock::time_point deadline);

  const bench_context& ctx_;
  user_pool pool_;
  asio::steady_timer quiet_;
  std::uint64_t lines_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t unexpected_closes_ = 0;
  bool shutting_down_ = false;
};

// msgapp tells every user about each later login, C*C/2 presence lines in all; RSS is read
// once those have been delivered (no line for 500 ms), so queued output does not count as
// per-connection cost. This wait is outside any latency measurement.
msgapp::awaitable<void> idle_run::wait_until_quiet(bench_clock::time_point deadline) {
  for (;;) {
    const auto seen = lines_;
    quiet_.expires_after(500ms);
    co_await quiet_.async_wait(msgapp::use_nothrow);
    if (lines_ == seen || pool_.timed_out() || bench_clock::now() >= deadline) co_return;
  }
}

msgapp::awaitable<run_result> idle_run::run() {
  const auto& o = ctx_.opts;
  run_result result;
  report_header(result.rep, ctx_, o.workload);
  pool_.arm_guard(bench_clock::now() + from_seconds(o.timeout_s));
  result.rep.count("connections", o.connections);

  const auto before = take_sample(ctx_);
  const std::size_t failed = co_await pool_.login_all(o.connections, o.setup_concurrency);
  const auto logged_in = bench_clock::now();
  co_await wait_until_quiet(logged_in + 60s);
  const auto after = take_sample(ctx_);
  const std::size_t held = o.connections - failed;

  const double setup_s = seconds_between(before.at, logged_in);
  result.rep.count("login_failures", failed);
  result.rep.number("setup_s", setup_s, 3);
  result.rep.number("logins_per_s", setup_s > 0 ? static_cast<double>(held) / setup_s : 0, 0);
  result.rep.number("settle_s", seconds_between(logged_in, after.at), 3);
  result.rep.count("lines_received", lines_);
  if (before.server.valid && after.server.valid) {
    const auto rss_growth = after.server.rss_kib - before.server.rss_kib;
    result.rep.count("server_rss_kib_before", static_cast<std::uint64_t>(before.server.rss_kib));
    result.rep.count("server_rss_kib_after", static_cast<std::uint64_t>(after.server.rss_kib));
    result.rep.number("server_rss_kib_per_conn",
                      held > 0 ? static_cast<double>(rss_growth) / static_cast<double>(held) : 0,
                      3);
    const double cpu_us = static_cast<double>(after.server.cpu_ns - before.server.cpu_ns) / 1e3;
    result.rep.number("server_cpu_us_per_login", held > 0 ? cpu_us / static_cast<double>(held) : 0,
                      1);
  }
  shutting_down_ = true;
  co_await pool_.shutdown();
  result.ok = failed == 0 && errors_ == 0 && unexpected_closes_ == 0 && !pool_.timed_out();
  result.rep.count("errors", errors_);
  result.rep.count("unexpected_closes", unexpected_closes_);
  result.rep.outcome(result.ok, pool_.first_error());
  co_return result;
}

}  // namespace

msgapp::awaitable<run_result> run_idle(bench_context ctx) {
  idle_run idle(ctx);
  co_return co_await idle.run();
}

}  // namespace msgbench
