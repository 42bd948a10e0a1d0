// Latency percentiles in bounded memory, and the report every run prints as a table or JSON.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace msgbench {

// Log-linear buckets (64 per power of two, so within 1.6%): a million samples cost the same
// 30 KB as ten, and recording is a few instructions with no allocation.
class latency_histogram {
 public:
  latency_histogram();
  void record(std::int64_t ns);
  std::uint64_t count() const { return count_; }
  std::int64_t max_ns() const { return max_ns_; }
  // The value below which a fraction `q` (0..1) of the samples fall.
  std::int64_t percentile_ns(double q) const;

 private:
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::int64_t max_ns_ = 0;
};

// An ordered list of named results; keys are snake_case so the JSON is easy to post-process.
class report {
 public:
  void text(std::string key, std::string_view value);
  void number(std::string key, double value, int decimals = 2);
  void count(std::string key, std::uint64_t value);
  void flag(std::string key, bool value);
  // Adds <prefix>_p50_us, _p99_us and _max_us (plus _samples).
  void latency(const std::string& prefix, const latency_histogram& h);
  // Every workload ends its report this way: "ok", and why the first failure happened, if any.
  void outcome(bool ok, std::string_view first_error);

  void print_table(std::FILE* out) const;
  void print_json(std::FILE* out) const;

 private:
  struct entry {
    std::string key;
    std::string value;
    bool quoted;
  };
  std::vector<entry> entries_;
};

}  // namespace msgbench
