// One client connection: connect, read a line at a time, and write through one coalescing writer.
#include "bench_conn.hpp"

#include <algorithm>
#include <cstring>
#include <exception>

namespace msgbench {
namespace {

constexpr std::size_t initial_read_buffer = 16 * 1024;
// Bounds a line we cannot parse; no benchmark line comes near it.
constexpr std::size_t max_read_buffer = 1024 * 1024;

}  // namespace

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(bench_clock::now().time_since_epoch())
      .count();
}

bench_conn::bench_conn(const asio::any_io_executor& ex, msgapp::tls::ssl::context* tls)
    : reading_resumed(ex),
      sock_(tls ? msgapp::tls::stream(msgapp::tcp::socket(ex), *tls)
                : msgapp::tls::stream(msgapp::tcp::socket(ex))),
      written_(ex) {}

msgapp::awaitable<asio::error_code> bench_conn::connect(msgapp::tcp::endpoint target,
                                                        int receive_buffer,
                                                        std::optional<asio::ip::address> from) {
  if (receive_buffer > 0 || from) {
    asio::error_code ec;
    sock_.socket().open(target.protocol(), ec);
    if (!ec && receive_buffer > 0) {
      sock_.socket().set_option(asio::socket_base::receive_buffer_size(receive_buffer), ec);
    }
    if (!ec && from) sock_.socket().bind(msgapp::tcp::endpoint(*from, 0), ec);
    if (ec) co_return ec;
  }
  auto [ec] = co_await sock_.socket().async_connect(target, msgapp::use_nothrow);
  // Without TCP_NODELAY, Nagle holds back our small lines and the latencies measure the
  // client's delayed ACKs rather than the server.
  if (!ec) sock_.socket().set_option(msgapp::tcp::no_delay(true), ec);
  if (ec) co_return ec;
  if (auto* tls = sock_.tls()) {
    if (auto host_ec = msgapp::tls::expect_host(*tls, target.address().to_string())) {
      co_return host_ec;
    }
    co_return co_await sock_.handshake(msgapp::tls::ssl::stream_base::client);
  }
  co_return ec;
}

std::optional<std::string_view> bench_conn::next_buffered_line() {
  if (begin_ == end_) return std::nullopt;  // also before the first fill(), when in_ is empty
  const char* first = in_.data() + begin_;
  const auto* nl = static_cast<const char*>(std::memchr(first, '\n', end_ - begin_));
  if (nl == nullptr) return std::nullopt;
  std::size_t len = static_cast<std::size_t>(nl - first);
  begin_ += len + 1;
  if (len > 0 && first[len - 1] == '\r') --len;
  return std::string_view(first, len);
}

msgapp::awaitable<asio::error_code> bench_conn::fill() {
  if (in_.empty()) in_.resize(initial_read_buffer);
  // Keep the unread tail at the front so the buffer is reused instead of grown.
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0) {
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == in_.size()) {
    if (in_.size() >= max_read_buffer) co_return asio::error::message_size;
    in_.resize(in_.size() * 2);
  }
  auto [ec, n] = co_await sock_.async_read_some(asio::buffer(in_.data() + end_, in_.size() - end_),
                                                msgapp::use_nothrow);
  if (ec) co_return ec;
  arrival_ns_ = now_ns();
  end_ += n;
  co_return asio::error_code{};
}

msgapp::awaitable<std::tuple<asio::error_code, std::string_view>> bench_conn::read_line() {
  for (;;) {
    if (auto line = next_buffered_line()) co_return std::tuple{asio::error_code{}, *line};
    if (auto ec = co_await fill()) co_return std::tuple{ec, std::string_view{}};
  }
}

void bench_conn::send(std::string_view bytes) {
  if (!is_open()) return;
  out_.append(bytes);
  if (writing_) return;
  writing_ = true;
  asio::co_spawn(sock_.get_executor(), write_queued(shared_from_this()), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
}

msgapp::awaitable<void> bench_conn::write_queued(std::shared_ptr<bench_conn> self) {
  while (!self->out_.empty()) {
    std::swap(self->out_, self->writing_buf_);
    auto [ec, n] = co_await asio::async_write(self->sock_, asio::buffer(self->writing_buf_),
                                              msgapp::use_nothrow);
    self->writing_buf_.clear();
    if (ec) {
      // The reader sees the same failure and reports it; queued bytes can never go out now.
      self->out_.clear();
      break;
    }
  }
  self->writing_ = false;
  self->written_.notify();
}

msgapp::awaitable<void> bench_conn::wait_written() {
  while (writing_)
    co_await written_.wait();
}

void bench_conn::close() {
  sock_.close();
  reading_resumed.notify();
  written_.notify();
}

}  // namespace msgbench
