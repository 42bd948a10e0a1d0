// A client's byte stream that is plain TCP or TLS, decided at run time (msgclient --tls), with
// the same Asio stream interface either way, so async_read_until and async_write work on it.
#pragma once

#include <variant>

#include "msgapp/tls/context.hpp"

namespace msgapp::tls {

// The server has its own compile-time choice (basic_connection<Stream>); a client, with one
// connection and a few private sessions, can afford the branch per operation instead.
class stream {
 public:
  using executor_type = tcp::socket::executor_type;
  using tls_stream = ssl::stream<tcp::socket>;

  explicit stream(tcp::socket plain) : s_(std::move(plain)) {}
  // TLS over `socket`; the handshake is still to be done. `ctx` must outlive the stream.
  stream(tcp::socket socket, ssl::context& ctx)
      : s_(std::in_place_type<tls_stream>, std::move(socket), ctx) {}

  bool is_tls() const { return std::holds_alternative<tls_stream>(s_); }
  tls_stream* tls() { return std::get_if<tls_stream>(&s_); }  // nullptr when plain
  executor_type get_executor() { return socket().get_executor(); }
  tcp::socket& socket() {
    return is_tls() ? std::get<tls_stream>(s_).next_layer() : std::get<tcp::socket>(s_);
  }
  const tcp::socket& socket() const {
    return is_tls() ? std::get<tls_stream>(s_).next_layer() : std::get<tcp::socket>(s_);
  }

  // The TLS handshake (a plain stream has none: it completes at once).
  awaitable<std::error_code> handshake(ssl::stream_base::handshake_type role) {
    if (auto* t = tls()) {
      auto [ec] = co_await t->async_handshake(role, use_nothrow);
      co_return ec;
    }
    co_return std::error_code{};
  }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return net::async_initiate<Token, void(std::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (auto* t = tls()) {
            t->async_read_some(b, std::move(handler));
          } else {
            std::get<tcp::socket>(s_).async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return net::async_initiate<Token, void(std::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (auto* t = tls()) {
            t->async_write_some(b, std::move(handler));
          } else {
            std::get<tcp::socket>(s_).async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  // Closes the socket at once (no close_notify): pending operations end with operation_aborted.
  void close() {
    std::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

 private:
  std::variant<tcp::socket, tls_stream> s_;
};

}  // namespace msgapp::tls
