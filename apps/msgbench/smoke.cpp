// The CI smoke check: short relay and fanout runs that must deliver every message exactly once, in
// order.
#include "workloads.hpp"

#include <fmt/format.h>

namespace msgbench {
namespace {

struct smoke_check {
  std::string name;
  bool passed = false;
};

void print_outcome(std::string_view name, const run_result& r) {
  fmt::print("smoke {}: {}\n", name, r.ok ? "PASS" : "FAIL");
  if (!r.ok) r.rep.print_table(stdout);
  std::fflush(stdout);
}

}  // namespace

msgapp::awaitable<int> run_smoke(bench_context ctx) {
  const auto& base = ctx.opts;
  int passed = 0;
  int failed = 0;

  // Count-bound, so the check is the same on a fast or a busy machine; the duration only
  // bounds a server that has stalled.
  bench_options relay_opts = base;
  relay_opts.workload = "relay";
  relay_opts.slow = false;
  relay_opts.pairs = 4;
  relay_opts.window = 16;
  relay_opts.count = base.count != 0 ? base.count : 500;
  relay_opts.first_user = base.first_user;
  bench_context relay_ctx(relay_opts, ctx.adapter, ctx.target, ctx.ex);
  const run_result relay = co_await run_relay(relay_ctx);
  print_outcome("relay", relay);
  (relay.ok ? passed : failed)++;

  // Fresh names: the relay users may still be logging out on the server.
  bench_options fanout_opts = base;
  fanout_opts.workload = "fanout";
  fanout_opts.users = 10;
  fanout_opts.senders = 2;
  fanout_opts.window = 8;
  fanout_opts.count = base.count != 0 ? base.count : 200;
  fanout_opts.first_user = base.first_user + 2 * relay_opts.pairs;
  bench_context fanout_ctx(fanout_opts, ctx.adapter, ctx.target, ctx.ex);
  const run_result fan = co_await run_fanout(fanout_ctx);
  print_outcome("fanout", fan);
  (fan.ok ? passed : failed)++;

  fmt::print("smoke: {} passed, {} failed\n", passed, failed);
  co_return failed == 0 ? 0 : 1;
}

}  // namespace msgbench
