// The listener and the server's lifetime: listen, accept, spawn sessions, shut down.
#include "msgapp/server/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <msgapp/net/contain.hpp>
#include "msgapp/server/session.hpp"
#include "msgapp/server/socket_options.hpp"

namespace msgapp::server {

using namespace net::experimental::awaitable_operators;

server::server(net::any_io_executor ex, config cfg, const credentials& accounts, storage store)
    : cfg_(std::move(cfg)), acceptor_(ex), hub_(ex, cfg_, accounts, std::move(store)) {}

tl::expected<tcp::endpoint, std::string> server::listen() {
  if (!cfg_.tls_cert.empty()) {
    auto context = tls::server_context(cfg_.tls_cert, cfg_.tls_key);
    if (!context) return tl::unexpected(context.error());
    tls_ = std::move(*context);
    spdlog::info("TLS only (TLS 1.2 or later), certificate {}", cfg_.tls_cert);
  }
  std::error_code ec;
  const auto address = net::ip::make_address(cfg_.bind_address, ec);
  if (ec) return tl::unexpected(fmt::format("bad bind address '{}'", cfg_.bind_address));
  const tcp::endpoint wanted(address, cfg_.port);
  acceptor_.open(wanted.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(wanted, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return tl::unexpected(
        fmt::format("cannot listen on {}:{}: {}", cfg_.bind_address, cfg_.port, ec.message()));
  }
  return acceptor_.local_endpoint();
}

awaitable<void> server::run() {
  co_await (accept_connections() && hub_.run());
}

void server::stop() {
  std::error_code ignored;
  acceptor_.close(ignored);  // ends accept_connections()
  hub_.shut_down();
}

awaitable<void> server::accept_connections() {
  // A cluster node takes its first connections once it has joined (they wait in the listen
  // backlog meanwhile), so a client is not refused only because the node has just started.
  // Bounded: without Redis it still serves, refusing logins with cluster-unavailable.
  co_await hub_.wait_for_cluster(cfg_.cluster_lease);
  net::steady_timer backoff(acceptor_.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
    if (!acceptor_.is_open()) co_return;  // stop() was called
    if (ec) {
      // Typically out of file descriptors: pause instead of spinning on the error.
      spdlog::warn("accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    std::error_code ignored;
    set_socket_options(socket, cfg_);  // no Nagle; keepalive finds clients that vanished
    const conn_id id = next_id_++;
    const auto remote = socket.remote_endpoint(ignored);
    spdlog::info("connection {} from {}:{}", id, remote.address().to_string(), remote.port());
    if (tls_) {
      // Each handshake holds an SSL object and its buffers: bounded, like connections.
      if (handshaking_ >= cfg_.tls_handshakes) {
        spdlog::warn("connection {}: closed, {} TLS handshakes are already in progress", id,
                     handshaking_);
        socket.close(ignored);
        continue;
      }
      ++handshaking_;
      net::co_spawn(acceptor_.get_executor(),
                    run_session(std::move(socket), tls_, handshaking_, id, hub_, cfg_),
                    log_and_contain{"a TLS session"});
    } else {
      net::co_spawn(acceptor_.get_executor(), run_session(std::move(socket), id, hub_, cfg_),
                    log_and_contain{"a session"});
    }
  }
}

}  // namespace msgapp::server
