// The soak's hostile connections: half-open and stalled lines, clients that never read,
// connect/close churn, oversized lines, garbage bytes and wrong passwords.
#pragma once

#include "bench_context.hpp"
#include "wake_signal.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <random>

namespace msgbench {

class soak_abuse {
 public:
  enum kind { stall, mute, churn, oversized, garbage, wrong_password, kinds };

  // Abuser k uses the name user_name(first_name + k) where it logs in.
  soak_abuse(const bench_context& ctx, std::size_t first_name);

  // Runs `abusers` hostile clients until `until`; each connection lasts a few seconds at most.
  msgapp::awaitable<void> run(std::size_t abusers, bench_clock::time_point until);

  std::uint64_t connections() const { return connections_; }
  std::uint64_t connect_failures() const { return connect_failures_; }
  std::uint64_t count(kind k) const { return counts_[k]; }
  static const char* name(kind k);

 private:
  msgapp::awaitable<void> abuse_loop(std::size_t abuser, bench_clock::time_point until);
  msgapp::awaitable<void> one(std::size_t abuser, kind k);

  const bench_context& ctx_;
  std::size_t first_name_;
  std::optional<asio::ip::address> from_;  // where hostile clients connect from
  std::mt19937_64 random_{1234};
  std::uint64_t connections_ = 0;
  std::uint64_t connect_failures_ = 0;
  std::array<std::uint64_t, kinds> counts_{};
};

}  // namespace msgbench
