// What a process costs, read from /proc: CPU time (schedstat, else utime+stime) and resident
// memory.
#include "proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace msgbench {
namespace {

// Sum of the first field (ns on CPU) of every thread's schedstat: nanosecond resolution, where
// /proc/PID/stat counts 10 ms ticks, too coarse for a short, lightly loaded window.
bool read_schedstat_ns(int pid, std::int64_t& total) {
  std::error_code ec;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::filesystem::directory_iterator it(tasks, ec);
  if (ec) return false;
  total = 0;
  bool any = false;
  for (const auto& task : it) {
    std::ifstream in(task.path() / "schedstat");
    std::int64_t ns = 0;
    if (in >> ns) {
      total += ns;
      any = true;
    }
  }
  return any;
}

// Fields 14 and 15 of /proc/PID/stat: utime and stime in clock ticks. Field 2, the command
// name, may hold spaces, so parsing starts after its closing parenthesis.
bool read_stat_ns(int pid, std::int64_t& total) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = all.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(all.substr(close + 2));
  std::string skip;
  for (int field = 3; field < 14; ++field)
    fields >> skip;
  std::int64_t utime = 0;
  std::int64_t stime = 0;
  if (!(fields >> utime >> stime)) return false;
  total = (utime + stime) * 1'000'000'000 / sysconf(_SC_CLK_TCK);
  return true;
}

std::int64_t read_rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) return std::stoll(line.substr(6));
  }
  return 0;
}

}  // namespace

proc_sample sample_process(int pid) {
  proc_sample s;
  if (pid <= 0) return s;
  if (read_schedstat_ns(pid, s.cpu_ns)) {
    s.cpu_source = "schedstat";
  } else if (read_stat_ns(pid, s.cpu_ns)) {
    s.cpu_source = "stat";
  } else {
    return s;
  }
  s.rss_kib = read_rss_kib(pid);
  s.valid = true;
  return s;
}

std::int64_t self_cpu_ns() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ns = [](const timeval& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 +
           static_cast<std::int64_t>(t.tv_usec) * 1000;
  };
  return ns(u.ru_utime) + ns(u.ru_stime);
}

std::size_t raise_fd_limit(std::size_t wanted) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur >= wanted) return lim.rlim_cur;
  // Raising the hard limit needs CAP_SYS_RESOURCE; without it, go as far as the hard limit.
  rlimit want{wanted, std::max<rlim_t>(wanted, lim.rlim_max)};
  if (setrlimit(RLIMIT_NOFILE, &want) != 0) {
    want = {lim.rlim_max, lim.rlim_max};
    setrlimit(RLIMIT_NOFILE, &want);
  }
  getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur;
}

}  // namespace msgbench
