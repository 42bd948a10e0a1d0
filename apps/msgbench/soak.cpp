// The soak: chatters and hostile clients at once for a fixed time, then the checks that the
// server survived whole: alive, exactly-once delivery, memory and file descriptors back.
#include "soak_abuse.hpp"
#include "soak_chat.hpp"
#include "workloads.hpp"

#include "bench_conn.hpp"
#include "proc_stats.hpp"
#include "task_group.hpp"

#include <msgapp/net/sleep.hpp>
#include <msgapp/protocol/command.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <vector>

namespace msgbench {
namespace {

using namespace std::chrono_literals;

// After the load, memory must come back to within this of where it started (no malloc_trim),
// and every file descriptor must be closed; the server gets this long to get there.
constexpr double rss_slack_ratio = 0.10;
constexpr std::int64_t rss_slack_kib = 4 * 1024;
constexpr auto settle_time = 15s;
constexpr auto sample_every = 200ms;

std::int64_t open_fds(int pid) {
  std::error_code ec;
  std::int64_t n = 0;
  for (std::filesystem::directory_iterator it(fmt::format("/proc/{}/fd", pid), ec), end;
       !ec && it != end; it.increment(ec))
    ++n;
  return ec ? -1 : n;
}

// A client that was not part of the load: it must log in and get an answer.
msgapp::awaitable<std::string> fresh_client(const bench_context& ctx, std::string user) {
  using namespace asio::experimental::awaitable_operators;
  auto conn = std::make_shared<bench_conn>(ctx.ex, ctx.tls.get());
  if (auto ec = co_await conn->connect(ctx.target)) co_return "cannot connect: " + ec.message();
  // The login may be slowed (a server that throttles an address after failed logins).
  auto in = co_await (ctx.adapter.login(*conn, user, ctx.opts.password) || msgapp::sleep_for(10s));
  if (in.index() == 1) co_return "no answer to its login";
  if (!std::get<0>(in).empty()) co_return "login: " + std::get<0>(in);
  const msgapp::protocol::command who = msgapp::protocol::whoelse_cmd{};
  conn->send(msgapp::protocol::format(who));
  for (;;) {
    auto got = co_await (conn->read_line() || msgapp::sleep_for(10s));
    if (got.index() == 1) co_return "no reply";
    auto [ec, line] = std::get<0>(got);
    if (ec) co_return "the connection ended: " + ec.message();
    const auto parsed = ctx.adapter.parse(line);
    if (parsed.kind == line_kind::reply_error) co_return std::string(line);
    if (parsed.kind == line_kind::reply_ok) break;
  }
  co_await ctx.adapter.logout(*conn);
  conn->close();
  co_return std::string{};
}

struct soak_checks {
  std::vector<std::string> failed;
  void require(bool ok, std::string what) {
    if (!ok) failed.push_back(std::move(what));
  }
};

}  // namespace

msgapp::awaitable<int> run_soak(bench_context ctx) {
  const auto& o = ctx.opts;
  const int pid = o.server_pid;
  const auto start = sample_process(pid);
  const auto start_fds = open_fds(pid);
  if (!start.valid || start_fds < 0) {
    fmt::print(stderr, "soak: --server-pid {} is not a process we can read\n", pid);
    co_return 2;
  }
  soak_checks checks;
  std::int64_t peak_kib = start.rss_kib;
  bool loading = true;
  task_group group(ctx.ex);
  auto sample = [&]() -> msgapp::awaitable<void> {
    while (loading) {
      peak_kib = std::max(peak_kib, sample_process(pid).rss_kib);
      co_await msgapp::sleep_for(sample_every);
    }
  };
  group.spawn(sample());

  soak_chat chat(ctx);
  const auto began = bench_clock::now();
  const std::string login_failure = co_await chat.start();
  checks.require(login_failure.empty(), login_failure);
  soak_abuse abuse(ctx, o.users);
  if (login_failure.empty()) {
    const auto until = bench_clock::now() + std::chrono::duration<double>(o.duration_s);
    const auto drain_until = until + std::chrono::duration<double>(o.drain_s);
    task_group abusers(ctx.ex);
    abusers.spawn(abuse.run(o.abusers, std::chrono::time_point_cast<bench_clock::duration>(until)));
    co_await chat.run(std::chrono::time_point_cast<bench_clock::duration>(until),
                      std::chrono::time_point_cast<bench_clock::duration>(drain_until));
    co_await abusers.wait();  // each hostile connection ends within a few seconds
  }
  co_await chat.stop();
  const chat_tally t = chat.tally();
  const auto seconds = std::chrono::duration<double>(bench_clock::now() - began).count();

  const std::string fresh = co_await fresh_client(ctx, ctx.user_name(o.users + o.abusers));
  checks.require(fresh.empty(), "a fresh client was not served: " + fresh);

  // The server lets go of what the load cost: closed sessions, drained outboxes.
  const std::int64_t rss_limit =
      static_cast<std::int64_t>(static_cast<double>(start.rss_kib) * (1 + rss_slack_ratio)) +
      rss_slack_kib;
  const auto settle_until = bench_clock::now() + settle_time;
  auto end = sample_process(pid);
  auto end_fds = open_fds(pid);
  while (end.valid && (end.rss_kib > rss_limit || end_fds != start_fds) &&
         bench_clock::now() < settle_until) {
    co_await msgapp::sleep_for(sample_every);
    end = sample_process(pid);
    end_fds = open_fds(pid);
  }
  loading = false;
  co_await group.wait();

  checks.require(end.valid, "the server process is gone");
  checks.require(t.missing == 0,
                 fmt::format("{} messages answered `delivered` never arrived", t.missing));
  checks.require(t.duplicates == 0, fmt::format("{} messages arrived twice", t.duplicates));
  checks.require(t.broadcast_duplicates == 0,
                 fmt::format("{} broadcasts arrived twice", t.broadcast_duplicates));
  checks.require(t.strangers == 0,
                 fmt::format("{} messages arrived that were never sent", t.strangers));
  checks.require(t.unanswered == 0, fmt::format("{} commands never got a reply", t.unanswered));
  checks.require(t.invalid_accepted == 0,
                 fmt::format("{} invalid commands were accepted", t.invalid_accepted));
  checks.require(t.valid_refused == 0, fmt::format("{} valid commands were refused (first: {})",
                                                   t.valid_refused, chat.first_error()));
  checks.require(t.chatters_cut_off == 0,
                 fmt::format("{} chatters (not flooders) were disconnected", t.chatters_cut_off));
  checks.require(
      end.rss_kib <= rss_limit,
      fmt::format("server RSS {} KiB after the load; it started at {} KiB (limit {} KiB)",
                  end.rss_kib, start.rss_kib, rss_limit));
  checks.require(
      end_fds == start_fds,
      fmt::format("server has {} file descriptors open; it started with {}", end_fds, start_fds));

  fmt::print("soak: {} chatters and {} hostile clients for {:.0f} s ({:.0f} s in all)\n", o.users,
             o.abusers, o.duration_s, seconds);
  fmt::print("  commands {} (invalid {}, refused as they should be {}); broadcasts {} ({} lines)\n",
             t.commands, t.invalid_sent, t.invalid_refused, t.broadcasts, t.broadcast_lines);
  fmt::print("  direct messages: {} delivered exactly once, {} queued, {} to flooders cut off\n",
             t.delivered_ok, t.queued_ok, t.to_departed);
  fmt::print("  flooders cut off {}; hostile connections {} (connect failed {})\n",
             t.flooders_cut_off, abuse.connections(), abuse.connect_failures());
  for (int k = 0; k < soak_abuse::kinds; ++k) {
    const auto kind = static_cast<soak_abuse::kind>(k);
    fmt::print("    {}: {}\n", soak_abuse::name(kind), abuse.count(kind));
  }
  fmt::print("  server RSS: start {} KiB, peak {} KiB, end {} KiB; fds: start {}, end {}\n",
             start.rss_kib, peak_kib, end.rss_kib, start_fds, end_fds);
  for (const auto& f : checks.failed)
    fmt::print("soak: FAIL: {}\n", f);
  fmt::print("soak: {}\n", checks.failed.empty() ? "PASS" : "FAIL");
  std::fflush(stdout);
  co_return checks.failed.empty() ? 0 : 1;
}

}  // namespace msgbench
