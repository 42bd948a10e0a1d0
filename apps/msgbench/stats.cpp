// Latency percentiles in bounded memory, and the report every run prints as a table or JSON.
#include "stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

namespace msgbench {
namespace {

constexpr int sub_bits = 6;
constexpr std::uint64_t sub_count = 1u << sub_bits;  // 64
constexpr std::size_t bucket_count = (64 - sub_bits) * sub_count;

std::size_t bucket_of(std::uint64_t v) {
  if (v < 2 * sub_count) return static_cast<std::size_t>(v);
  const int msb = 63 - std::countl_zero(v);
  const int shift = msb - sub_bits;
  return static_cast<std::size_t>(shift + 1) * sub_count + ((v >> shift) - sub_count);
}

// The middle of bucket `i`, so a percentile is off by at most half a bucket.
std::int64_t bucket_value(std::size_t i) {
  if (i < 2 * sub_count) return static_cast<std::int64_t>(i);
  const auto shift = static_cast<int>(i / sub_count) - 1;
  const auto low = (sub_count + i % sub_count) << shift;
  return static_cast<std::int64_t>(low + ((std::uint64_t{1} << shift) >> 1));
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

latency_histogram::latency_histogram() : buckets_(bucket_count, 0) {}

void latency_histogram::record(std::int64_t ns) {
  const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0));
  ++buckets_[std::min(bucket_of(v), bucket_count - 1)];
  ++count_;
  max_ns_ = std::max(max_ns_, ns);
}

std::int64_t latency_histogram::percentile_ns(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) return std::min(bucket_value(i), max_ns_);
  }
  return max_ns_;
}

void report::text(std::string key, std::string_view value) {
  entries_.push_back({std::move(key), std::string(value), true});
}

void report::number(std::string key, double value, int decimals) {
  // JSON has no NaN or infinity; a figure that could not be computed is null.
  auto v = std::isfinite(value) ? fmt::format("{:.{}f}", value, decimals) : std::string("null");
  entries_.push_back({std::move(key), std::move(v), false});
}

void report::count(std::string key, std::uint64_t value) {
  entries_.push_back({std::move(key), fmt::format("{}", value), false});
}

void report::flag(std::string key, bool value) {
  entries_.push_back({std::move(key), value ? "true" : "false", false});
}

void report::outcome(bool ok, std::string_view first_error) {
  flag("ok", ok);  // not protocol: a report key
  if (!first_error.empty()) text("first_error", first_error);
}

void report::latency(const std::string& prefix, const latency_histogram& h) {
  count(prefix + "_samples", h.count());
  number(prefix + "_p50_us", static_cast<double>(h.percentile_ns(0.50)) / 1e3, 1);
  number(prefix + "_p99_us", static_cast<double>(h.percentile_ns(0.99)) / 1e3, 1);
  number(prefix + "_max_us", static_cast<double>(h.max_ns()) / 1e3, 1);
}

void report::print_table(std::FILE* out) const {
  std::size_t width = 0;
  for (const auto& e : entries_)
    width = std::max(width, e.key.size());
  for (const auto& e : entries_)
    fmt::print(out, "  {:<{}}  {}\n", e.key, width, e.value);
}

void report::print_json(std::FILE* out) const {
  std::string line = "{";
  for (const auto& e : entries_) {
    if (line.size() > 1) line += ',';
    line += fmt::format("\"{}\":", e.key);
    line += e.quoted ? fmt::format("\"{}\"", json_escape(e.value)) : e.value;
  }
  line += "}\n";
  std::fputs(line.c_str(), out);
}

}  // namespace msgbench
