// Presence storm: N users log in one after another while everyone already in stays online and
// counts the presence lines each later login brings.
#include "measure.hpp"
#include "task_group.hpp"
#include "workloads.hpp"

#include <msgapp/protocol/server_line.hpp>
#include <msgapp/protocol/words.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

namespace msgbench {
namespace {

namespace proto = msgapp::protocol;
namespace words = msgapp::protocol::words;

class presence_storm {
 public:
  explicit presence_storm(const bench_context& ctx)
      : ctx_(ctx),
        total_(ctx.opts.connections + ctx.opts.users),
        conns_(total_),
        seen_(total_, 0),
        arrived_(ctx.ex),
        guard_timer_(ctx.ex),
        readers_(ctx.ex) {}

  msgapp::awaitable<run_result> run();

 private:
  // Logs in users [first, last) with `workers` logins in flight; each then reads until closed.
  msgapp::awaitable<void> log_in(std::size_t first, std::size_t last, std::size_t workers);
  msgapp::awaitable<void> login_worker(std::size_t last);
  msgapp::awaitable<void> read_presence(std::shared_ptr<bench_conn> conn, std::size_t user);
  // Waits until `expected` presence lines have arrived in all, or until `deadline`.
  msgapp::awaitable<bool> wait_for_lines(std::uint64_t expected, bench_clock::time_point deadline);
  msgapp::awaitable<void> guard(bench_clock::time_point deadline);
  bool counts_are_exact() const;
  void note_error(std::string why) {
    if (first_error_.empty()) first_error_ = std::move(why);
  }

  const bench_context& ctx_;
  const std::size_t total_;  // --online plus --users
  std::vector<std::shared_ptr<bench_conn>> conns_;
  std::vector<std::uint32_t> seen_;  // presence lines each user has received
  std::size_t next_ = 0;             // the next user a login worker takes
  std::uint64_t lines_ = 0;          // presence lines received by everyone
  std::uint64_t logins_ = 0;
  std::uint64_t failures_ = 0;
  std::uint64_t unexpected_ = 0;  // errors, time-outs and closes while the run lasts
  bool stopping_ = false;
  bool timed_out_ = false;
  std::string first_error_;
  latency_histogram login_latency_;  // connect to "ok", storm logins only
  bool timing_ = false;              // whether logins now are storm logins
  bench_clock::time_point last_login_;
  wake_signal arrived_;  // a presence line arrived (wait_for_lines is the one waiter)
  asio::steady_timer guard_timer_;
  task_group readers_;
};

msgapp::awaitable<void> presence_storm::log_in(std::size_t first, std::size_t last,
                                               std::size_t workers) {
  next_ = first;
  task_group group(ctx_.ex);
  for (std::size_t w = 0; w < std::max<std::size_t>(1, std::min(workers, last - first)); ++w)
    group.spawn(login_worker(last));
  co_await group.wait();
}

msgapp::awaitable<void> presence_storm::login_worker(std::size_t last) {
  while (next_ < last && !stopping_) {
    const std::size_t user = next_++;
    auto conn = std::make_shared<bench_conn>(ctx_.ex, ctx_.tls.get());
    conns_[user] = conn;
    const auto start = bench_clock::now();
    if (auto ec = co_await conn->connect(ctx_.target)) {
      ++failures_;
      note_error(fmt::format("connect {}: {}", ctx_.user_name(user), ec.message()));
      conn->close();
      continue;
    }
    std::string name = ctx_.user_name(user);
    std::string password = ctx_.opts.password;
    const std::string why =
        co_await ctx_.adapter.login(*conn, std::move(name), std::move(password));
    if (!why.empty()) {
      ++failures_;
      note_error(fmt::format("login {}: {}", ctx_.user_name(user), why));
      conn->close();
      continue;
    }
    last_login_ = bench_clock::now();
    if (timing_) {
      login_latency_.record(
          std::chrono::duration_cast<std::chrono::nanoseconds>(last_login_ - start).count());
      ++logins_;
    }
    readers_.spawn(read_presence(conn, user));
  }
}

// Lines after the login reply: presence of later logins, counted; anything else is an error
// (nobody logs out or says anything while the run lasts).
msgapp::awaitable<void> presence_storm::read_presence(std::shared_ptr<bench_conn> conn,
                                                      std::size_t user) {
  for (;;) {
    while (auto line = conn->next_buffered_line()) {
      const auto v = proto::view_server_line(*line);
      if (v.kind == proto::line_kind::event && v.word == words::presence &&
          v.text == words::logged_in) {
        ++seen_[user];
        ++lines_;
        arrived_.notify();
      } else if (!stopping_) {
        ++unexpected_;
        note_error(fmt::format("{} got an unexpected line: {}", ctx_.user_name(user), *line));
      }
    }
    if (auto ec = co_await conn->fill()) {
      if (!stopping_) {
        ++unexpected_;
        note_error(fmt::format("{} disconnected: {}", ctx_.user_name(user), ec.message()));
      }
      co_return;
    }
  }
}

msgapp::awaitable<bool> presence_storm::wait_for_lines(std::uint64_t expected,
                                                       bench_clock::time_point deadline) {
  while (lines_ < expected && !timed_out_ && bench_clock::now() < deadline)
    co_await arrived_.wait_until(deadline);
  co_return lines_ == expected;
}

msgapp::awaitable<void> presence_storm::guard(bench_clock::time_point deadline) {
  guard_timer_.expires_at(deadline);
  auto [ec] = co_await guard_timer_.async_wait(msgapp::use_nothrow);
  if (ec) co_return;
  timed_out_ = stopping_ = true;
  note_error("run timed out (--timeout)");
  for (auto& conn : conns_)
    if (conn) conn->close();
  arrived_.notify();
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
  task_group tasks(ctx_.ex);
  tasks.spawn(guard(bench_clock::now() + from_seconds(o.timeout_s)));
  const auto every_line = [](std::uint64_t n) { return n * (n - (n > 0 ? 1 : 0)) / 2; };

  // Those online first, and every presence line their logins cause, before the window opens.
  co_await log_in(0, o.connections, o.setup_concurrency);
  if (!co_await wait_for_lines(every_line(o.connections), bench_clock::time_point::max()))
    note_error("setup: presence lines missing");

  // The storm: from the first connect until the last login's presence line has arrived.
  const std::uint64_t before_lines = lines_;
  timing_ = true;
  const auto before = take_sample(ctx_);
  co_await log_in(o.connections, total_, o.in_flight);
  const auto stormed = last_login_;
  const bool complete =
      co_await wait_for_lines(every_line(total_), bench_clock::now() + from_seconds(o.drain_s));
  const auto after = take_sample(ctx_);
  const std::uint64_t presence = lines_ - before_lines;
  if (!complete)
    note_error(fmt::format("{} presence lines arrived; expected {}", lines_, every_line(total_)));
  const bool exact = complete && counts_are_exact();
  if (complete && !exact) note_error("some clients got more presence lines and some fewer");

  const double storm_s = logins_ > 0 ? seconds_between(before.at, stormed) : 0;
  result.rep.count("logins", logins_);
  result.rep.count("login_failures", failures_);
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
  guard_timer_.cancel();
  for (auto& conn : conns_)
    if (conn) conn->close();
  co_await readers_.wait();
  co_await tasks.wait();
  result.rep.count("unexpected", unexpected_);
  result.ok = logins_ == o.users && failures_ == 0 && unexpected_ == 0 && exact && !timed_out_;
  result.rep.outcome(result.ok, first_error_);
  co_return result;
}

}  // namespace

msgapp::awaitable<run_result> run_presence_storm(bench_context ctx) {
  presence_storm storm(ctx);
  co_return co_await storm.run();
}

}  // namespace msgbench
