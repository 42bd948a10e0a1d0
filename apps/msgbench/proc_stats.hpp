// What a process costs, read from /proc: CPU time (schedstat, else utime+stime) and resident
// memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace msgbench {

struct proc_sample {
  bool valid = false;
  std::int64_t cpu_ns = 0;
  std::string cpu_source;  // "schedstat" (ns) or "stat" (clock ticks)
  std::int64_t rss_kib = 0;
};

// Samples process `pid`; valid is false when pid is 0 or the process is gone.
proc_sample sample_process(int pid);

// This process's own CPU time (user + system), to show whether the load generator kept up.
std::int64_t self_cpu_ns();

// Raises RLIMIT_NOFILE so `wanted` sockets fit; returns the limit now in force.
std::size_t raise_fd_limit(std::size_t wanted);

}  // namespace msgbench
