// The whole server: a listener that starts a session per connection, and the hub they share.
#pragma once

#include <string>

#include <msgapp/net.hpp>
#include <msgapp/tls/context.hpp>

#include "msgapp/server/config.hpp"
#include "msgapp/server/credentials.hpp"
#include "msgapp/server/hub.hpp"
#include "msgapp/server/storage.hpp"

namespace msgapp::server {

class server {
 public:
  server(net::any_io_executor ex, config cfg, const credentials& accounts, storage store);

  // Loads the TLS certificate and key if the config names them, then binds and listens; the
  // endpoint carries the real port (also when the config asks for 0).
  tl::expected<tcp::endpoint, std::string> listen();
  // Accepts and serves until stop(); returns once every connection has closed.
  awaitable<void> run();
  // Graceful shutdown: stop accepting, tell every client, close within shutdown_grace.
  void stop();
  // What the store has done so far (for the log at exit, and benchmarks).
  store::store_stats store_stats() const { return hub_.store_stats(); }

 private:
  awaitable<void> accept_connections();

  config cfg_;
  tls::context_ptr tls_;         // null: plain TCP
  std::size_t handshaking_ = 0;  // TLS handshakes in progress (at most config::tls_handshakes)
  tcp::acceptor acceptor_;
  hub hub_;
  conn_id next_id_ = 1;
};

}  // namespace msgapp::server
