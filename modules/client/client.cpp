// The awaitable client: line framing over a socket, and matching replies to requests.
#include "msgapp/client/client.hpp"

namespace msgapp::client {

awaitable<result<client>> client::connect(std::string host, std::uint16_t port) {
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, std::to_string(port), use_nothrow);
  if (rec) co_return tl::unexpected(rec);
  tcp::socket socket(ex);
  auto [cec, endpoint] = co_await net::async_connect(socket, endpoints, use_nothrow);
  if (cec) co_return tl::unexpected(cec);
  std::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);

  client c(std::move(socket));
  auto greeting = co_await c.read_line();
  if (!greeting) co_return tl::unexpected(greeting.error());
  if (greeting->kind != line_kind::greeting || greeting->text.rfind("msgapp ", 0) != 0) {
    co_return tl::unexpected(std::make_error_code(std::errc::protocol_error));
  }
  co_return c;
}

awaitable<result<server_line>> client::login(std::string user, std::string password) {
  co_return co_await request("login " + user + " " + password);
}

awaitable<result<server_line>> client::request(std::string line) {
  if (auto ec = co_await send_line(std::move(line))) co_return tl::unexpected(ec);
  for (;;) {
    auto next = co_await read_line();
    if (!next) co_return next;
    if (next->kind == line_kind::ok || next->kind == line_kind::error) co_return next;
    if (events_.size() >= max_kept_events) {
      co_return tl::unexpected(std::make_error_code(std::errc::no_buffer_space));
    }
    events_.push_back(std::move(*next));
  }
}

awaitable<result<server_line>> client::next_event() {
  if (!events_.empty()) {
    auto event = std::move(events_.front());
    events_.pop_front();
    co_return event;
  }
  co_return co_await read_line();
}

awaitable<std::error_code> client::send_line(std::string line) {
  line.push_back('\n');
  co_return co_await send_raw(std::move(line));
}

awaitable<std::error_code> client::send_raw(std::string bytes) {
  auto [ec, n] = co_await net::async_write(socket_, net::buffer(bytes), use_nothrow);
  co_return ec;
}

awaitable<result<std::string>> client::read_raw_line() {
  auto [ec, n] = co_await net::async_read_until(
      socket_, net::dynamic_buffer(buffer_, max_server_line), '\n', use_nothrow);
  if (ec) co_return tl::unexpected(ec);
  std::string line = buffer_.substr(0, n - 1);
  buffer_.erase(0, n);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  co_return line;
}

awaitable<result<server_line>> client::read_line() {
  auto raw = co_await read_raw_line();
  if (!raw) co_return tl::unexpected(raw.error());
  co_return protocol::parse_server_line(*raw);
}

void client::close() {
  std::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace msgapp::client
