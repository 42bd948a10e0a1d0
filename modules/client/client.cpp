// The awaitable client: connecting and greeting, then requests and events through the
// multiplexer (multiplexer.cpp).
#include "msgapp/client/client.hpp"

#include <msgapp/tls/verify_error.hpp>

#include "multiplexer.hpp"

namespace msgapp::client {

awaitable<result<client>> client::connect(std::string host, std::uint16_t port) {
  return connect(std::move(host), port, connect_options{});
}

awaitable<result<client>> client::connect(std::string host, std::uint16_t port,
                                          connect_options options) {
  if (options.tls && !options.context) {
    co_return tl::unexpected(std::make_error_code(std::errc::invalid_argument));
  }
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, std::to_string(port), use_nothrow);
  if (rec) co_return tl::unexpected(rec);
  tcp::socket socket(ex);
  auto [cec, endpoint] = co_await net::async_connect(socket, endpoints, use_nothrow);
  if (cec) co_return tl::unexpected(cec);
  std::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);

  auto stream = options.tls ? tls::stream(std::move(socket), *options.context)
                            : tls::stream(std::move(socket));
  if (auto* t = stream.tls()) {
    const auto& name = options.verify_host.empty() ? host : options.verify_host;
    if (auto ec = tls::expect_host(*t, name)) co_return tl::unexpected(ec);
    if (auto ec = co_await stream.handshake(tls::ssl::stream_base::client)) {
      co_return tl::unexpected(tls::refusal(*t, ec));
    }
  }

  auto m = std::make_shared<multiplexer>(std::move(stream), std::move(options.context));
  const auto greeting = co_await m->read_raw_line();
  if (!greeting) co_return tl::unexpected(greeting.error());
  if (!protocol::parse_greeting(*greeting)) {
    m->end(std::make_error_code(std::errc::protocol_error));
    co_return tl::unexpected(std::make_error_code(std::errc::protocol_error));
  }
  multiplexer::start(m);  // bytes after the greeting are already in its buffer
  co_return client(std::move(m));
}

awaitable<result<server_line>> client::login(std::string user, std::string password) {
  protocol::command cmd = protocol::login_cmd{std::move(user), std::move(password)};
  co_return co_await request(std::move(cmd));
}

awaitable<result<server_line>> client::request(protocol::command cmd) {
  co_return co_await request_line(protocol::format(cmd));
}

awaitable<result<server_line>> client::request(std::string line) {
  line.push_back('\n');
  co_return co_await request_line(std::move(line));
}

awaitable<result<server_line>> client::request_line(std::string line) {
  const auto slot = m_->claim(std::move(line), true);
  if (!slot) co_return tl::unexpected(slot.error());
  auto [ec, reply] = co_await (*slot)->async_receive(use_nothrow);
  if (ec) co_return tl::unexpected(ec);  // the connection ended, or this wait was cancelled
  co_return std::move(reply);
}

std::error_code client::post(protocol::command cmd) {
  const auto slot = m_->claim(protocol::format(cmd), false);
  return slot ? std::error_code{} : slot.error();
}

std::error_code client::post(std::string line) {
  line.push_back('\n');
  const auto slot = m_->claim(std::move(line), false);
  return slot ? std::error_code{} : slot.error();
}

awaitable<result<event_line>> client::next_event() {
  return m_->next_event();
}

awaitable<std::error_code> client::send_line(std::string line) {
  line.push_back('\n');
  co_return m_->queue_raw(std::move(line));
}

awaitable<std::error_code> client::send_raw(std::string bytes) {
  co_return m_->queue_raw(std::move(bytes));
}

awaitable<std::error_code> client::shutdown_send() {
  co_return m_->queue_raw({}, true);
}

std::size_t client::pending_events() const {
  return m_->kept_events();
}

std::size_t client::awaited_replies() const {
  return m_->awaited_replies();
}

result<tcp::endpoint> client::local_endpoint() const {
  return m_->local_endpoint();
}

bool client::is_tls() const {
  return m_ && m_->is_tls();
}

void client::close() {
  if (m_) m_->end(std::make_error_code(std::errc::not_connected));
}

client::~client() {
  close();
}

client& client::operator=(client&& other) noexcept {
  if (this != &other) {
    close();
    m_ = std::move(other.m_);
  }
  return *this;
}

}  // namespace msgapp::client
