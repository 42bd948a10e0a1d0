// Presence storm: N users log in one after another while everyone already in stays online and
// counts the presence lines each later login brings.
#include "measure.hpp"
#include "user_pool.hpp"
#include "workloads.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace msgbench {
namespace {

class presence_storm final : public line_sink {
 public:
  explicit presence_storm(const bench_context& ctx)
      : ctx_(ctx),
        total_(ctx.opts.connections + ctx.opts.users),
        pool_(ctx, *this),
        seen_(total_, 0),
        arrived_(ctx.ex) {}

  msgapp::awaitable<run_result> run();

  // Lines after the login reply: presence of later logins, counted; anything else is an error
  // (nobody logs out or says anything while the run lasts).
  void on_line(std::size_t user, bench_conn&, const parsed_line& line) override {
    if (line.kind == line_kind::arrived) {
      ++seen_[user];
      ++lines_;
      arrived_.notify();
    } else if (!stopping_) {
      ++unexpected_;
      pool_.note_error(
          fmt::format("{} got an unexpected line: {}", ctx_.user_name(user), line.text));
    }
  }
  void on_closed(std::size_t user, asio::error_code ec) override {
    if (stopping_ || pool_.timed_out()) return;
    ++unexpected_;
    pool_.note_error(fmt::format("{} disconnected: {}", ctx_.user_name(user), ec.message()));
  }
  void on_abort() override { arrived_.notify(); }
  void on_logged_in(std::size_t, bench_clock::duration took) override {
    last_login_ = bench_clock::now();
    if (!timing_) return;
    login_latency_.record(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
    ++logins_;
  }

 private:
  // Waits until `expected` presence lines have arrived in all, or until `deadline`.
  msgapp::awaitable<bool> wait_for_lines(std::uint64_t expected, bench_clock::time_point deadline);
  bool counts_are_exact() const;

  const bench_context& ctx_;
  const std::size_t total_;  // --online plus --users
  user_pool pool_;
  std::vector<std::uint32_t> seen_;  // presence lines each user has received
  std::uint64_t lines_ = 0;          // presence lines received by everyone
  std::uint64_t logins_ = 0;
  std::uint64_t unexpected_ = 0;  // errors and closes while the run lasts
  bool stopping_ = false;
  latency_histogram login_latency_;  // connect to "ok", storm logins only
  bool timing_ = false;              // whether logins now are storm logins
  bench_clock::time_point last_login_;
  wake_signal arrived_;  // a presence line arrived (wait_for_lines is the one waiter)
};

msgapp::awaitable<bool> presence_storm::wait_for_lines(std::uint64_t expected,
                                                       bench_clock::time_point deadline) {
  while (lines_ < expected && !pool_.timed_out() && bench_clock::now() < deadline)
    co_await arrived_.wait_until(deadline);
  co_return lines_ == expected;
}

// The server logs users in in some order; the user it took k-th (from 0) hears of every later
// login, total - 1 - k lines. So the counts, sorted, must be exactly 0, 1, ..., total - 1.
bool presence_storm::counts_are_exact() const {
  auto counts = seen_;
  std::sort(counts.begin(), counts.end());
  for (std::size_t k = 0; k < counts.size(); ++k)
    if (counts[k] != k) return false;
  return true;
}

msgapp::awaitable<run_result> presence_storm::run() {
  const auto& o = ctx_.opts;
  run_result result;
  report_header(result.rep, ctx_, o.workload);
  result.rep.count("users", o.users);  // not protocol: a report key
  result.rep.count("online", o.connections);
  result.rep.count("in_flight", o.in_flight);
  pool_.arm_guard(bench_clock::now() + from_seconds(o.timeout_s));
  const auto every_line = [](std::uint64_t n) { return n * (n - (n > 0 ? 1 : 0)) / 2; };

  // Those online first, and every presence line their logins cause, before the window opens.
  std::size_t failures = co_await pool_.login_range(0, o.connections, o.setup_concurrency);
  if (!co_await wait_for_lines(every_line(o.connections), bench_clock::time_point::max()))
    pool_.note_error("setup: presence lines missing");

  // The storm: from the first connect until the last login's presence line has arrived.
  const std::uint64_t before_lines = lines_;
  timing_ = true;
  const auto before = take_sample(ctx_);
  failures += co_await pool_.login_range(o.connections, total_, o.in_flight);
  const auto stormed = last_login_;
  const bool complete =
      co_await wait_for_lines(every_line(total_), bench_clock::now() + from_seconds(o.drain_s));
  const auto after = take_sample(ctx_);
  const std::uint64_t presence = lines_ - before_lines;
  if (!complete)
    pool_.note_error(
        fmt::format("{} presence lines arrived; expected {}", lines_, every_line(total_)));
  const bool exact = complete && counts_are_exact();
  if (complete && !exact) pool_.note_error("some clients got more presence lines and some fewer");

  const double storm_s = logins_ > 0 ? seconds_between(before.at, stormed) : 0;
  result.rep.count("logins", logins_);
  result.rep.count("login_failures", failures);
  result.rep.count("presence_lines", presence);
  result.rep.number("storm_s", storm_s, 3);
  result.rep.number("logins_per_s", storm_s > 0 ? static_cast<double>(logins_) / storm_s : 0, 0);
  if (before.server.valid && after.server.valid) {
    const double cpu_us = static_cast<double>(after.server.cpu_ns - before.server.cpu_ns) / 1e3;
    result.rep.number("server_cpu_ms_per_login",
                      logins_ > 0 ? cpu_us / 1e3 / static_cast<double>(logins_) : NAN, 3);
    result.rep.number("server_cpu_us_per_presence_line",
                      presence > 0 ? cpu_us / static_cast<double>(presence) : NAN, 3);
    result.rep.text("server_cpu_source", after.server.cpu_source);
  }
  const double elapsed = seconds_between(before.at, after.at);
  const double client_us = static_cast<double>(after.client_cpu_ns - before.client_cpu_ns) / 1e3;
  result.rep.number("client_cpu_pct", elapsed > 0 ? client_us / 1e4 / elapsed : 0, 1);
  result.rep.latency("login_latency", login_latency_);

  stopping_ = true;  // closing now brings logouts and eofs: not errors
  co_await pool_.shutdown();
  result.rep.count("unexpected", unexpected_);
  result.ok =
      logins_ == o.users && failures == 0 && unexpected_ == 0 && exact && !pool_.timed_out();
  result.rep.outcome(result.ok, pool_.first_error());
  co_return result;
}

}  // namespace

msgapp::awaitable<run_result> run_presence_storm(bench_context ctx) {
  presence_storm storm(ctx);
  co_return co_await storm.run();
}

}  // namespace msgbench
