// The measuring window: server and client cost before and after, and the fields every report
// shares.
#include "measure.hpp"

#include <fmt/format.h>

#include <cmath>

namespace msgbench {

window_sample take_sample(const bench_context& ctx) {
  window_sample s;
  s.server = sample_process(ctx.opts.server_pid);
  if (ctx.opts.receiver_pid != 0) s.receiver = sample_process(ctx.opts.receiver_pid);
  if (ctx.opts.watch_pid != 0) s.watched = sample_process(ctx.opts.watch_pid);
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

namespace {

double cpu_us_between(const proc_sample& before, const proc_sample& after) {
  return static_cast<double>(after.cpu_ns - before.cpu_ns) / 1e3;
}

// One process's cost over the window under `prefix`: CPU per unit and its share of a core.
void report_process(report& r, std::string_view prefix, double cpu_us, double elapsed,
                    std::uint64_t units, std::string_view unit) {
  r.number(fmt::format("{}_cpu_us_per_{}", prefix, unit),
           units > 0 ? cpu_us / static_cast<double>(units) : NAN, 3);
  r.number(fmt::format("{}_cpu_pct", prefix), elapsed > 0 ? cpu_us / 1e4 / elapsed : 0, 1);
}

}  // namespace

void report_window(report& r, const window_sample& before, const window_sample& after,
                   std::uint64_t units, std::string_view unit) {
  const double elapsed = seconds_between(before.at, after.at);
  r.number("elapsed_s", elapsed, 3);
  r.number(fmt::format("{}s_per_s", unit), elapsed > 0 ? static_cast<double>(units) / elapsed : 0,
           0);
  const bool two_servers = before.receiver.valid && after.receiver.valid;
  if (before.server.valid && after.server.valid) {
    const double sender_us = cpu_us_between(before.server, after.server);
    const double receiver_us = two_servers ? cpu_us_between(before.receiver, after.receiver) : 0;
    const double cpu_us = sender_us + receiver_us;
    r.number("server_cpu_us", cpu_us, 0);
    r.number(fmt::format("server_cpu_us_per_{}", unit),
             units > 0 ? cpu_us / static_cast<double>(units) : NAN, 3);
    r.number("server_cpu_pct", elapsed > 0 ? cpu_us / 1e4 / elapsed : 0, 1);
    r.count("server_rss_kib", static_cast<std::uint64_t>(after.server.rss_kib));
    r.text("server_cpu_source", after.server.cpu_source);
    if (two_servers) {
      report_process(r, "sender_server", sender_us, elapsed, units, unit);
      report_process(r, "receiver_server", receiver_us, elapsed, units, unit);
      r.count("receiver_server_rss_kib", static_cast<std::uint64_t>(after.receiver.rss_kib));
    }
  }
  if (before.watched.valid && after.watched.valid)
    report_process(r, "watched", cpu_us_between(before.watched, after.watched), elapsed, units,
                   unit);
  const double client_us = static_cast<double>(after.client_cpu_ns - before.client_cpu_ns) / 1e3;
  r.number("client_cpu_pct", elapsed > 0 ? client_us / 1e4 / elapsed : 0, 1);
}

}  // namespace msgbench
