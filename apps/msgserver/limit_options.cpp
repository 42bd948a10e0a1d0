// The "Limits" options: memory and time bounds of the server, each defaulting to config.hpp's.
#include "limit_options.hpp"

#include <string>

#include <fmt/format.h>

namespace msgapp::apps {
namespace {

constexpr const char* group = "Limits";

template <typename T>
void add_count(CLI::App& app, const std::string& name, T& value, const std::string& what) {
  app.add_option(name, value, what)->group(group)->capture_default_str();
}

// Durations are whole milliseconds on the command line, so sub-second bounds stay exact.
void add_ms(CLI::App& app, const std::string& name, std::chrono::milliseconds& value,
            const std::string& what) {
  app.add_option_function<std::uint64_t>(
         name, [&value](std::uint64_t ms) { value = std::chrono::milliseconds(ms); }, what)
      ->group(group)
      ->type_name("MS")
      ->default_str(std::to_string(value.count()));
}

}  // namespace

void add_limit_options(CLI::App& app, server::config& cfg) {
  add_ms(app, "--idle-warning-ms", cfg.idle_warning,
         "warn a logged-in user this long before the idle time-out, once per idle period (0: "
         "never)");
  app.get_option("--idle-warning-ms")
      ->default_str(
          fmt::format("a tenth of the time-out, at most {}", server::idle_warning_most.count()));
  add_count(app, "--login-attempts", cfg.login_attempts,
            "wrong passwords in a row that block a name for block_duration");
  add_count(app, "--max-connections", cfg.max_connections,
            "connections at once; past it a new one gets `error server-full`");
  add_count(app, "--outbox-bytes", cfg.outbox_bytes,
            "unsent output one connection may hold; past it the connection is cut off");
  add_count(app, "--hub-inbox", cfg.hub_inbox, "requests waiting for the hub at once");
  add_count(app, "--hub-turn-requests", cfg.hub_turn_requests,
            "requests the hub handles before writing their output, while more are waiting (1: "
            "write after every request)");
  add_ms(app, "--hub-turn-ms", cfg.hub_turn_time,
         "a hub turn takes more waiting requests only while it has lasted less than this");
  add_count(app, "--max-batch", cfg.max_batch, "commands one session hands the hub at once");
  add_count(app, "--command-rate", cfg.command_rate,
            "commands a second a session may send past its burst; the rest are read later, "
            "never dropped (0: no limit)");
  add_count(app, "--command-burst", cfg.command_burst,
            "commands a session may send at once before --command-rate holds it back");
  add_count(app, "--broadcast-recipients-per-token", cfg.broadcast_recipients_per_token,
            "a broadcast costs one command more per this many users it reaches (0: one, like "
            "any command)");
  add_ms(app, "--flood-cutoff-ms", cfg.flood_cutoff,
         "a session held back by --command-rate this long without a break is cut off with "
         "`error flooding` (0: never)");
  // Admission: per remote address, and before login.
  add_count(app, "--per-address", cfg.connections_per_address,
            "connections open at once from one address (0: no limit); loopback is exempt");
  app.add_flag("--limit-loopback", cfg.limit_loopback,
               "apply --per-address to loopback addresses (127.0.0.0/8, ::1) too")
      ->group(group);
  add_ms(app, "--login-deadline-ms", cfg.login_deadline,
         "time a connection has to log in, whatever it sends (0: no limit)");
  add_ms(app, "--login-stall-ms", cfg.login_stall,
         "time part of a line may wait for its end before login (0: no limit)");
  add_count(app, "--failures-free", cfg.address_failures_free,
            "failed logins from one address before its attempts are spaced out");
  add_ms(app, "--login-delay-ms", cfg.login_delay_base,
         "spacing of attempts at the first throttled failure; doubles per failure");
  add_ms(app, "--login-delay-max-ms", cfg.login_delay_max,
         "most spacing of one address's login attempts (at most 3000; 0: no throttle)");
  add_ms(app, "--failure-memory-ms", cfg.address_failure_memory,
         "time without a failure after which an address's failures are forgotten");
  add_count(app, "--address-table", cfg.address_table,
            "addresses whose failures are remembered; past it the oldest is forgotten");
  add_ms(app, "--keepalive-ms", cfg.keepalive_idle,
         "silence before TCP keepalive probes (every 10 s, 5 of them) find a vanished client "
         "dead: after 110 s by default (0: no keepalive; whole seconds)");
  add_ms(app, "--keepalive-interval-ms", cfg.keepalive_interval,
         "time between keepalive probes (whole seconds, at least 1 s)");
  add_count(app, "--keepalive-probes", cfg.keepalive_probes,
            "unanswered keepalive probes before the connection is dropped");
  add_count(app, "--page-messages", cfg.page_messages,
            "offline messages sent at once after login; the next page follows when read");
  add_count(app, "--page-bytes", cfg.page_bytes, "bytes of text in one page of offline messages");
  add_count(app, "--store-backlog", cfg.store_backlog,
            "operations waiting for the database; past it changes are refused with not-saved");
  add_count(app, "--private-offers", cfg.private_offers,
            "private-session offers one user may have open; the oldest goes first");
  add_count(app, "--token-bits", cfg.token_bits, "random bits in a private-session token");
  add_count(app, "--max-line", cfg.limits.max_line, "bytes of one line, with its newline");
  add_count(app, "--max-text", cfg.limits.max_text, "bytes of message or broadcast text");
  add_count(app, "--max-password", cfg.limits.max_password, "bytes of a password");
  add_ms(app, "--write-timeout-ms", cfg.write_timeout,
         "one write to a client may take this long, then the client is cut off");
  add_ms(app, "--shutdown-grace-ms", cfg.shutdown_grace,
         "how long shutdown waits for output to reach the clients");
  add_ms(app, "--private-offer-ms", cfg.private_offer_lifetime,
         "how long a private-session offer stays good");
  add_ms(app, "--tls-handshake-ms", cfg.tls_handshake_timeout,
         "a TLS client that has not finished its handshake by then is cut off");
  add_ms(app, "--tls-close-ms", cfg.tls_close_timeout,
         "how long the server's close_notify may take to leave");
}

}  // namespace msgapp::apps
