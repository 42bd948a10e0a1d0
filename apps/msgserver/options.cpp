// Command-line parsing for msgserver with CLI11, by the conventions of msgapp/cli (exit 2 for
// bad usage).
#include "options.hpp"

#include <msgapp/cli/command_line.hpp>
#include <msgapp/redis/endpoint.hpp>

#include <fmt/format.h>

#include "allocator.hpp"
#include "limit_options.hpp"

namespace msgapp::apps {
namespace {

constexpr const char* usage_line =
    "usage: msgserver <port> <block_duration> <timeout> [--credentials FILE] [--bind ADDR] "
    "[--data-dir DIR | --in-memory] [--sync normal|full] [--log-level LEVEL] [...]\n"
    "       msgserver <port> <block_duration> <timeout> --cluster --node-id ID --redis URL "
    "--postgres CONNINFO [...]\n"
    "       msgserver hash-password [USER]";

constexpr cli::program msgserver{"msgserver", usage_line};

int usage_error(std::string_view why) {
  return cli::usage_error(msgserver, why);
}

}  // namespace

std::variant<server_options, int> parse_server_options(int argc, char** argv) {
  server_options out;
  std::string port, block, timeout;
  CLI::App app{
      "msgserver: the msgapp chat server. Users log in with the names and passwords of the\n"
      "credentials file; see docs/protocol.md for what clients can say.\n"
      "`msgserver hash-password [USER]` prints a credentials line with an Argon2id hash."};
  app.add_option("port", port, "TCP port to listen on (0: the system picks one)")->required();
  app.add_option("block_duration", block,
                 "seconds a user name stays blocked after 3 wrong passwords in a row")
      ->required();
  app.add_option("timeout", timeout,  // not protocol: the argument's name
                 "seconds without a command before a user is logged out (0: never)")
      ->required();
  app.add_option("--credentials", out.credentials_path,
                 "accounts file, one `username password` or `username <hash>` per line")
      ->capture_default_str();
  std::size_t credentials_mb = out.credentials_bytes >> 20;
  app.add_option("--credentials-mb", credentials_mb,
                 "MiB the credentials file may hold; a bigger one is refused at start")
      ->check(CLI::Range(std::size_t{1}, std::size_t{4096}))
      ->capture_default_str();
  app.add_option("--bind", out.config.bind_address, "address to listen on")->capture_default_str();

  // Durable state (docs/architecture.md, "Durable state").
  std::string data_dir = out.store.data_dir.string();
  std::string sync = "normal";
  auto* dir = app.add_option("--data-dir", data_dir,
                             "directory of the database (created if missing; one server at a "
                             "time)")
                  ->capture_default_str();
  app.add_flag("--in-memory", out.store.in_memory,
               "keep no state on disk: everything is lost when the server stops")
      ->excludes(dir);
  app.add_option("--sync", sync,
                 "normal: a commit survives a crash of msgserver; full: also a power loss "
                 "(one fsync per commit)")
      ->check(CLI::IsMember({"normal", "full"}))
      ->capture_default_str();
  app.add_option("--queue-per-user", out.config.offline_messages,
                 "offline messages waiting for one user")
      ->capture_default_str();
  app.add_option("--queue-per-sender", out.config.sender_messages,
                 "offline messages from one user waiting for all others together")
      ->capture_default_str();
  std::uint64_t history_days = out.config.login_history.count() / 24;
  app.add_option("--history-days", history_days,
                 "days of login history kept for whoelsesince across restarts")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{36500}))
      ->capture_default_str();
  std::uint64_t file_mb = 0;
  app.add_option("--max-db-mb", file_mb,
                 "MiB the database file may grow to (0: no bound); past it, changes are refused "
                 "with not-saved")
      ->capture_default_str();
  std::size_t store_mb = out.config.store_bytes >> 20;
  app.add_option("--queue-total-mb", store_mb, "MiB of offline message text for everyone")
      ->capture_default_str();
  app.add_option("--hash-threads", out.config.hash_threads,
                 "threads checking hashed passwords; each takes 64 MiB while it checks")
      ->capture_default_str();
  app.add_option("--hash-queue", out.config.hash_queue,
                 "hashed-password logins waiting for a thread; more are refused with login-busy")
      ->capture_default_str();
  auto* cert = app.add_option("--tls-cert", out.config.tls_cert,
                              "serve TLS only, with the certificate chain in FILE (PEM)")
                   ->type_name("FILE");
  auto* key = app.add_option("--tls-key", out.config.tls_key,
                             "the private key of --tls-cert (PEM, unencrypted)")
                  ->type_name("FILE");
  cert->needs(key);
  key->needs(cert);
  app.add_option("--tls-handshakes", out.config.tls_handshakes,
                 "TLS handshakes in progress at once; a connection past them is closed")
      ->capture_default_str();
  bool cluster = false;
  app.add_flag("--cluster", cluster,
               "run as one node of a cluster (docs/cluster.md): state in PostgreSQL, presence and "
               "delivery between nodes through Redis; no local data directory");
  app.add_option("--node-id", out.config.cluster_node,
                 "cluster: this node's name, unique among the running nodes");
  app.add_option("--redis", out.config.cluster_redis,
                 "cluster: the shared Redis, redis://HOST:PORT or unix:PATH");
  app.add_option("--postgres", out.postgres,
                 "cluster: the shared PostgreSQL, a libpq connection string "
                 "('host=... port=... dbname=... user=...')");
  std::uint64_t lease_ms = static_cast<std::uint64_t>(out.config.cluster_lease.count());
  app.add_option("--lease-ms", lease_ms,
                 "cluster: a node that has not renewed its lease for this long is dead: its "
                 "users are logged out by another node (it drops them itself before)")
      ->check(CLI::Range(std::uint64_t{100}, std::uint64_t{3'600'000}))
      ->capture_default_str();
  app.add_option("--redis-pending", out.config.cluster_redis_pending,
                 "cluster: Redis commands in flight at once; more fail at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{16'777'216}))
      ->capture_default_str();
  add_limit_options(app, out.config);
  bool unlimited = false;
  app.add_flag("--unlimited", unlimited,
               "for load runs only: lift every rate and per-address limit (docs/limits.md)");
  app.add_option("--log-level", out.log_level,
                 "trace, debug, info, warn, error or off (logs go to stderr)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))  // not protocol
      ->capture_default_str();
  app.set_version_flag("--version",
                       fmt::format("msgserver {}\nmemory: {}", MSGAPP_VERSION, allocator_name()));

  if (const auto status = cli::parse(app, argc, argv, msgserver)) return *status;

  constexpr std::uint64_t ten_years = 10ULL * 365 * 24 * 3600;
  const auto port_number = cli::whole_number(port, 65535);
  if (!port_number) return usage_error("port must be a whole number from 0 to 65535");
  const auto block_s = cli::whole_number(block, ten_years);
  if (!block_s) return usage_error("block_duration must be a whole number of seconds");
  const auto timeout_s = cli::whole_number(timeout, ten_years);
  if (!timeout_s) return usage_error("timeout must be a whole number of seconds");

  if (cluster) {
    if (out.config.cluster_node.empty() || out.config.cluster_redis.empty() || out.postgres.empty())
      return usage_error("--cluster needs --node-id, --redis and --postgres");
    if (out.config.cluster_node.find_first_of(" \t\n:") != std::string::npos)
      return usage_error("--node-id must be one word, without ':'");
    if (const auto where = redis::parse_url(out.config.cluster_redis); !where)
      return usage_error(where.error());
    if (dir->count() > 0 || out.store.in_memory)
      return usage_error("--cluster keeps its state in PostgreSQL: no --data-dir or --in-memory");
  } else if (!out.config.cluster_node.empty() || !out.config.cluster_redis.empty() ||
             !out.postgres.empty()) {
    return usage_error("--node-id, --redis and --postgres need --cluster");
  }
  out.config.cluster_lease = std::chrono::milliseconds(lease_ms);
  out.store.data_dir = data_dir;
  out.store.sync = sync == "full" ? store::sync_mode::full : store::sync_mode::normal;
  out.config.store_bytes = store_mb << 20;
  out.credentials_bytes = credentials_mb << 20;
  out.store.max_file_bytes = file_mb << 20;
  out.config.login_history = std::chrono::hours(24 * history_days);
  out.config.port = static_cast<std::uint16_t>(*port_number);
  out.config.block_duration = std::chrono::seconds(*block_s);
  out.config.timeout = std::chrono::seconds(*timeout_s);
  if (unlimited) server::lift_rate_limits(out.config);
  return out;
}

}  // namespace msgapp::apps
