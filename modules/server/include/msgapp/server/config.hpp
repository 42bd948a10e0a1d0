// Everything the server can be tuned with, each bound named once, with its default.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <tl/expected.hpp>

#include "msgapp/protocol/limits.hpp"

namespace msgapp::server {

using std::chrono::milliseconds;

inline constexpr milliseconds idle_warning_auto{-1};  // config::idle_warning's default
inline constexpr milliseconds idle_warning_most{60'000};

struct config {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 0;               // 0: the OS picks one
  milliseconds block_duration{60'000};  // a name stays blocked this long after too many failures
  milliseconds timeout{600'000};        // idle connections are closed after this; 0 = never
  // A logged-in user is warned (`idle-warning`) this long before the time-out, once per idle
  // period; idle_warning_auto: a tenth of the time-out, at most idle_warning_most; 0 = never.
  milliseconds idle_warning = idle_warning_auto;
  int login_attempts = 3;  // wrong passwords in a row that block a name

  protocol::limits limits;
  std::size_t max_connections = 10'000;
  // Admission (issue 10): what one remote address may hold and try before it logs in.
  std::size_t connections_per_address = 20;  // open at once; 0 = no limit
  bool limit_loopback = false;               // loopback addresses are exempt unless this is set
  milliseconds login_deadline{60'000};  // to log in after connecting, whatever is sent; 0 = none
  milliseconds login_stall{10'000};  // a partial line before login may wait this long; 0 = no limit
  std::size_t address_failures_free = 5;  // failed logins per address before the throttle
  milliseconds login_delay_base{100};     // the wait between attempts at the first throttled
  milliseconds login_delay_max{3'000};    // failure, doubling per failure up to this; 0 = off
  milliseconds address_failure_memory{600'000};  // failures forgotten this long after the last
  std::size_t address_table = 100'000;           // addresses remembered; then the oldest goes
  // TCP keepalive on every accepted socket: a client that vanished without a FIN is found
  // dead after idle + interval x probes (110 s by default), and TCP_USER_TIMEOUT ends a
  // connection whose sent data stays unacknowledged as long. keepalive_idle 0 = off.
  milliseconds keepalive_idle{60'000};
  milliseconds keepalive_interval{10'000};
  int keepalive_probes = 5;
  // Requests waiting for the hub. Small on purpose: a session that floods waits for a slot
  // like everyone else, so it cannot fill the queue ahead of the others (fairness).
  std::size_t hub_inbox = 64;
  // One hub turn takes the requests already waiting in its inbox, while it has taken fewer
  // than hub_turn_requests and has lasted less than hub_turn_time; output they queue is
  // written together after the turn (one write per connection, not one per request). So a
  // line waits for at most hub_turn_requests - 1 later requests, started within
  // hub_turn_time; with the inbox empty the turn ends at once. 1 request: never wait.
  std::size_t hub_turn_requests = 32;
  milliseconds hub_turn_time{20};
  std::size_t max_batch = 256;  // commands one session hands the hub at once

  // Command rate per session (command_budget.hpp), like IRC's fakelag: past it the server
  // stops reading that session until tokens return, so commands are delayed, never dropped.
  // A burst of 500 lets a script send a few hundred commands at once unnoticed; 50 a second
  // is more than anyone types. A command costs 1; a broadcast 1 more per this many recipients
  // (it costs everyone): to 4,000 users 41, so a flooder gets 1.2 a second through, which
  // everyone's outbox absorbs. The costliest command (to 9,999 users, 100 tokens) is paid in
  // 2 s, so no pause approaches msgclient's 10 s reply time-out.
  std::size_t command_burst = 500;  // tokens a session can spend at once
  std::size_t command_rate = 50;    // tokens a session gains a second; 0 = no limit
  std::size_t broadcast_recipients_per_token = 100;  // 0 = a broadcast costs 1, like any command
  // A session held back this long without a break (more input waiting all along) is cut off
  // with `error flooding`; 0 = never.
  milliseconds flood_cutoff{30'000};
  std::size_t outbox_bytes = 512 * 1024;  // unsent output per connection before it is cut off
  // Offline messages live in the store; these quotas bound the disk, not memory.
  std::size_t offline_messages = 100'000;          // waiting for one user
  std::size_t sender_messages = 100'000;           // from one user, waiting for all others together
  std::size_t store_bytes = std::size_t{1} << 30;  // of text waiting, for everyone together
  std::size_t page_messages = 256;                 // offline messages sent at once; the next page
  std::size_t page_bytes = 128 * 1024;             // goes when the client has read this one
  // Operations waiting for the store; then refused. Everything handed over is committed before
  // the process exits, so this also bounds shutdown: about 0.3 s of commits at ~48k a second.
  std::size_t store_backlog = 16'384;
  std::chrono::hours login_history{24 * 90};  // how far back whoelsesince looks after a restart
  milliseconds write_timeout{10'000};         // one write may take this long
  milliseconds shutdown_grace{1'000};         // how long shutdown waits for output to drain

  // TLS: with a certificate chain and its key (PEM files), every connection is TLS; without, none.
  std::string tls_cert;
  std::string tls_key;
  milliseconds tls_handshake_timeout{5'000};  // a client that has not finished it is cut off
  std::size_t tls_handshakes = 1'000;         // in progress at once; a connection past it is closed
  milliseconds tls_close_timeout{500};        // how long our close_notify may take to leave

  // Private sessions: the server only brokers one-time tokens (hub_private.cpp).
  std::size_t private_offers = 16;  // open offers per user; the oldest goes first
  milliseconds private_offer_lifetime = protocol::private_offer_lifetime;  // then it is void
  std::size_t token_bits = 128;  // randomness per token, sent as hex digits

  // Hashed passwords are checked on a pool of threads (password_check.hpp). Each check of an
  // interactive Argon2id hash holds 64 MiB (max_hash_memory), so the pool takes at most
  // hash_threads x 64 MiB. Logins past the queue are refused with login-busy, not queued.
  std::size_t hash_threads = 2;  // checks at the same time
  std::size_t hash_queue = 64;   // checks waiting for a thread

  // Cluster mode (docs/cluster.md): several nodes sharing one Redis and one PostgreSQL.
  // An empty node id: a single node.
  std::string cluster_node;                    // --node-id
  std::string cluster_redis;                   // --redis, a URL (redis://HOST:PORT or unix:PATH)
  milliseconds cluster_lease{5'000};           // --lease-ms: a node silent this long is dead
  std::size_t cluster_redis_pending = 65'536;  // --redis-pending: Redis commands in flight
};

// `msgserver --unlimited`, for load runs on a machine you own: lifts every rate limit and
// every per-address limit (connections per address, the login throttle, the command rate and
// its flood cut-off). Memory bounds stay: lifting them would turn overload into a crash.
void lift_rate_limits(config& c);

// Checks the relations between bounds (e.g. a full offline queue must fit in an outbox).
tl::expected<void, std::string> validate(const config& c);

// How long before the time-out the idle warning goes out (0: none), idle_warning_auto resolved.
milliseconds idle_warning_lead(const config& c);

// How often the hub looks for idle connections: often enough to time out promptly.
milliseconds sweep_interval(const config& c);

}  // namespace msgapp::server
