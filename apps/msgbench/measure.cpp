// The measuring window: server and client cost before and after, and the fields every report
// shares.
#include "measure.hpp"

#include <fmt/format.h>

#include <cmath>

namespace msgbench {

window_sample take_sample(const bench_context& ctx) {
  window_sample s;
  s.server = sample_process(ctx.opts.server_pid);
  s.client_cpu_ns = self_cpu_ns();
  s.at = bench_clock::now();
  return s;
}

void report_header(report& r, const bench_context& ctx, std::string_view workload) {
  r.text("workload", workload);
  r.text("server", ctx.server_label());
  r.text("proto", ctx.opts.proto);
}

double seconds_between(bench_clock::time_point a, bench_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

bench_clock::duration from_seconds(double s) {
  return std::chrono::duration_cast<bench_clock::duration>(std::chrono::duration<double>(s));
}

void report_window(report& r, const window_sample& before, const window_sample& after,
                   std::uint64_t units, std::string_view unit) {
  const double elapsed = seconds_between(before.at, after.at);
  r.number("elapsed_s", elapsed, 3);
  r.number(fmt::format("{}s_per_s", unit), elapsed > 0 ? static_cast<double>(units) / elapsed : 0,
           0);
  if (before.server.valid && after.server.valid) {
    const double cpu_us = static_cast<double>(after.server.cpu_ns - before.server.cpu_ns) / 1e3;
    r.number("server_cpu_us", cpu_us, 0);
    r.number(fmt::format("server_cpu_us_per_{}", unit),
             units > 0 ? cpu_us / static_cast<double>(units) : NAN, 3);
    r.number("server_cpu_pct", elapsed > 0 ? cpu_us / 1e4 / elapsed : 0, 1);
    r.count("server_rss_kib", static_cast<std::uint64_t>(after.server.rss_kib));
    r.text("server_cpu_source", after.server.cpu_source);
  }
  const double client_us = static_cast<double>(after.client_cpu_ns - before.client_cpu_ns) / 1e3;
  r.number("client_cpu_pct", elapsed > 0 ? client_us / 1e4 / elapsed : 0, 1);
}

}  // namespace msgbench
