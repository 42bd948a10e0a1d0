// Consistency checks and derived values for the server configuration.
#include "msgapp/server/config.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace msgapp::server {

void lift_rate_limits(config& c) {
  c.connections_per_address = 0;
  c.limit_loopback = false;
  c.login_delay_max = milliseconds(0);
  c.command_rate = 0;
  c.flood_cutoff = milliseconds(0);
}

tl::expected<void, std::string> validate(const config& c) {
  if (c.login_attempts < 1) return tl::unexpected(std::string("login_attempts must be 1 or more"));
  if (c.block_duration.count() < 0 || c.timeout.count() < 0) {
    return tl::unexpected(std::string("durations must not be negative"));
  }
  if (c.write_timeout.count() <= 0 || c.shutdown_grace.count() <= 0) {
    return tl::unexpected(std::string("write_timeout and shutdown_grace must be positive"));
  }
  if (c.idle_warning < idle_warning_auto ||
      (c.timeout.count() > 0 && c.idle_warning >= c.timeout)) {
    return tl::unexpected(std::string("idle_warning must be shorter than the time-out"));
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return tl::unexpected(std::string("TLS needs both a certificate and its key"));
  }
  if (c.tls_handshake_timeout.count() <= 0 || c.tls_close_timeout.count() <= 0) {
    return tl::unexpected(
        std::string("tls_handshake_timeout and tls_close_timeout must be positive"));
  }
  if (c.limits.max_line < 64) return tl::unexpected(std::string("max_line must be 64 or more"));
  // A page of offline messages goes into an empty outbox, so it must fit in one.
  if (c.page_bytes + c.limits.max_line > c.outbox_bytes) {
    return tl::unexpected(fmt::format("outbox_bytes ({}) must exceed page_bytes ({}) + max_line",
                                      c.outbox_bytes, c.page_bytes));
  }
  if (c.page_messages == 0 || c.page_bytes == 0 || c.store_backlog == 0 ||
      c.login_history.count() <= 0) {
    return tl::unexpected(
        std::string("page_messages, page_bytes, store_backlog and login_history must be positive"));
  }
  if (c.max_connections == 0 || c.hub_inbox == 0 || c.hub_turn_requests == 0 || c.max_batch == 0 ||
      c.private_offers == 0) {
    return tl::unexpected(
        std::string("max_connections, hub_inbox, hub_turn_requests, max_batch and private_offers "
                    "must be 1 or more"));
  }
  if (c.command_rate > 0 && c.command_burst == 0) {
    return tl::unexpected(std::string("command_burst must be 1 or more when command_rate is set"));
  }
  if (c.flood_cutoff.count() < 0) {
    return tl::unexpected(std::string("flood_cutoff must not be negative"));
  }
  if (c.login_deadline.count() < 0 || c.login_stall.count() < 0 || c.login_delay_base.count() < 0 ||
      c.address_failure_memory.count() < 0 || c.keepalive_idle.count() < 0) {
    return tl::unexpected(std::string("admission durations must not be negative"));
  }
  // A person who mistypes a few times more than the free ones must never wait long.
  if (c.login_delay_max > milliseconds(3'000) ||
      (c.login_delay_max.count() > 0 && c.login_delay_base > c.login_delay_max)) {
    return tl::unexpected(std::string("login_delay_base <= login_delay_max <= 3 s"));
  }
  if (c.address_table == 0) return tl::unexpected(std::string("address_table must be 1 or more"));
  if (c.keepalive_idle.count() > 0 &&
      (c.keepalive_interval < milliseconds(1'000) || c.keepalive_probes < 1)) {
    return tl::unexpected(
        std::string("with keepalive, keepalive_interval must be 1 s or more and probes 1 or more"));
  }
  if (c.hash_threads == 0) return tl::unexpected(std::string("hash_threads must be 1 or more"));
  if (c.private_offer_lifetime.count() <= 0) {
    return tl::unexpected(std::string("private_offer_lifetime must be positive"));
  }
  // Whole 32-bit words of randomness, sent as hex digits (4 bits each), and no more digits than
  // the longest token that `privateaccept` takes.
  const std::size_t most_bits = c.limits.max_token * 4;
  if (c.token_bits % 32 != 0 || c.token_bits < 64 || c.token_bits > most_bits) {
    return tl::unexpected(fmt::format("token_bits must be 64, 96, ..., {}", most_bits));
  }
  return {};
}

milliseconds idle_warning_lead(const config& c) {
  // By default the warning comes a tenth of the time-out ahead: 60 s of 10 minutes.
  constexpr int share = 10;
  if (c.timeout.count() <= 0) return milliseconds(0);
  if (c.idle_warning == idle_warning_auto) return std::min(c.timeout / share, idle_warning_most);
  return c.idle_warning;
}

milliseconds sweep_interval(const config& c) {
  // A twentieth of the shortest deadline, within [5 ms, 250 ms]: a time-out fires at most 5%
  // late, and shutdown's grace period is honoured to within a quarter second.
  auto shortest = c.shutdown_grace;
  if (c.timeout.count() > 0) shortest = std::min(shortest, c.timeout);
  if (c.login_deadline.count() > 0) shortest = std::min(shortest, c.login_deadline);
  return std::clamp(shortest / 20, milliseconds(5), milliseconds(250));
}

}  // namespace msgapp::server
