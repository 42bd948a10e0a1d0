// msgserver: parse the command line, load the accounts, serve until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <msgapp/server/server.hpp>

#include "hash_password.hpp"
#include "options.hpp"

using namespace msgapp;

int main(int argc, char** argv) {
  // A command of its own, before the positional <port> <block_duration> <timeout> are parsed.
  if (argc >= 2 && std::string_view(argv[1]) == apps::hash_password_command) {
    return apps::hash_password(argc, argv);
  }
  auto parsed = apps::parse_server_options(argc, argv);
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  auto& options = std::get<apps::server_options>(parsed);

  // stdout carries only the `listening on` line; everything for the operator goes to stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt("msgserver"));
  spdlog::set_level(spdlog::level::from_str(options.log_level));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");

  if (auto valid = server::validate(options.config); !valid) {
    spdlog::critical("bad configuration: {}", valid.error());
    return 1;
  }
  const auto accounts = server::load_credentials(options.credentials_path, options.config.limits,
                                                 options.credentials_bytes);
  if (!accounts) {
    spdlog::critical("{}", accounts.error());
    return 1;
  }
  if (const auto plain = server::plain_passwords(*accounts); plain > 0) {
    spdlog::warn(
        "{} of {} accounts in {} have a plain password; `msgserver hash-password` "
        "makes the line with a hash instead",
        plain, accounts->size(), options.credentials_path);
  }

  const bool cluster = !options.config.cluster_node.empty();
  auto storage = cluster ? server::open_storage(store::postgres_options{options.postgres})
                         : server::open_storage(options.store);
  if (!storage) {
    spdlog::critical("{}", storage.error());
    return 1;
  }
  if (cluster) {
    spdlog::info("state: PostgreSQL; cluster node {} on Redis {}", options.config.cluster_node,
                 options.config.cluster_redis);
  } else {
    spdlog::info(
        "state: {}",
        options.store.in_memory
            ? std::string("in memory only (--in-memory)")
            : fmt::format("{}/ (sync {})", options.store.data_dir.string(),
                          options.store.sync == store::sync_mode::full ? "full" : "normal"));
  }

  net::io_context io{1};
  server::server srv(io.get_executor(), options.config, *accounts, std::move(*storage));
  const auto endpoint = srv.listen();
  if (!endpoint) {
    spdlog::critical("{}", endpoint.error());
    return 1;
  }
  fmt::print("listening on {}:{}\n", endpoint->address().to_string(), endpoint->port());
  std::fflush(stdout);
  spdlog::info("listening on {}:{} with {} users, block {} s, timeout {} s",
               endpoint->address().to_string(), endpoint->port(), accounts->size(),
               options.config.block_duration.count() / 1000, options.config.timeout.count() / 1000);

  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signal);
    srv.stop();
  });
  net::co_spawn(io, srv.run(), [&](std::exception_ptr e) {
    signals.cancel();  // nothing left to wait for: io.run() may return
    if (e) std::rethrow_exception(e);
  });
  io.run();
  const auto stats = srv.store_stats();
  spdlog::info("stopped; the store applied {} batches in {} transactions", stats.batches,
               stats.transactions);
  return 0;
}
