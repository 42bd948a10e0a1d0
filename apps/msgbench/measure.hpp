// The measuring window: server and client cost before and after, and the fields every report
// shares.
#pragma once

#include "bench_context.hpp"
#include "proc_stats.hpp"
#include "stats.hpp"
#include "wake_signal.hpp"

#include <cstdint>
#include <string_view>

namespace msgbench {

struct window_sample {
  proc_sample server;
  proc_sample receiver;  // --receiver-pid: the second server; invalid without it
  proc_sample watched;   // --watch-pid; invalid without it
  std::int64_t client_cpu_ns = 0;
  bench_clock::time_point at;
};

window_sample take_sample(const bench_context& ctx);

// workload, server, proto: the first fields of every report.
void report_header(report& r, const bench_context& ctx, std::string_view workload);

// elapsed_s, <unit>s_per_s, server CPU in total, per unit and as a share of the window,
// server RSS, and the client's own CPU share (near 100% means msgbench was the bottleneck).
// With a receiver server, "server" is both together, and each one's share is added.
void report_window(report& r, const window_sample& before, const window_sample& after,
                   std::uint64_t units, std::string_view unit);

double seconds_between(bench_clock::time_point a, bench_clock::time_point b);
// The options give durations as seconds in a double (duration_s, drain_s, timeout_s).
bench_clock::duration from_seconds(double s);

}  // namespace msgbench
