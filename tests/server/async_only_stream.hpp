// A stream that can only read and write asynchronously, as asio::ssl::stream, that logs its writes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <system_error>
#include <vector>

#include <msgapp/net.hpp>
#include <msgapp/server/connection.hpp>

namespace msgapp::test {

// What the connection asked of the stream, seen from the stream's side. Shared with the test,
// which keeps it after the connection (and the stream) are gone.
struct write_log {
  struct call {
    std::size_t buffers;  // how many buffers the gather offered
    std::size_t offered;  // their bytes
    std::size_t taken = 0;
    std::error_code ec;
  };
  static constexpr std::size_t max_calls = 10'000;  // calls kept; later ones are only counted

  explicit write_log(net::any_io_executor ex) : failures(ex, max_failures) {}

  // At most this many bytes per write, as TLS takes at most one record per write.
  std::size_t max_per_write = std::numeric_limits<std::size_t>::max();
  std::vector<call> calls;
  std::size_t started = 0;
  std::size_t finished = 0;
  // Every write that failed, in order, for a test that waits for the connection to give up.
  static constexpr std::size_t max_failures = 8;
  channel<std::error_code> failures;

  bool in_flight() const { return started > finished; }
  std::size_t taken() const {
    std::size_t n = 0;
    for (const auto& c : calls)
      n += c.taken;
    return n;
  }
};

// Offers only what asio::ssl::stream<tcp::socket> offers the connection: get_executor,
// lowest_layer, async_read_some and async_write_some. There is no read_some or write_some,
// so basic_connection<async_only_stream> compiles only if it never uses them.
class async_only_stream {
 public:
  using executor_type = tcp::socket::executor_type;
  using lowest_layer_type = tcp::socket;

  async_only_stream(tcp::socket socket, std::shared_ptr<write_log> log)
      : socket_(std::move(socket)), log_(std::move(log)) {}

  executor_type get_executor() { return socket_.get_executor(); }
  lowest_layer_type& lowest_layer() { return socket_; }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return socket_.async_read_some(buffers, std::forward<Token>(token));
  }

  // Logs the gather it is offered, passes on at most max_per_write bytes of it, and logs the
  // outcome. async_compose keeps the caller's cancellation slot, so `||` can still cancel it.
  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    std::vector<net::const_buffer> prefix;
    std::size_t count = 0;
    std::size_t offered = 0;
    std::size_t budget = log_->max_per_write;
    for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
         ++it) {
      const net::const_buffer b(*it);
      ++count;
      offered += b.size();
      if (budget == 0) continue;
      prefix.push_back(net::buffer(b, budget));
      budget -= std::min(budget, b.size());
    }
    const std::size_t index = log_->started++;
    if (log_->calls.size() < write_log::max_calls) {
      log_->calls.push_back(write_log::call{count, offered, 0, {}});
    }
    return net::async_compose<Token, void(std::error_code, std::size_t)>(
        [this, index, prefix = std::move(prefix), started = false](
            auto& self, std::error_code ec = {}, std::size_t n = 0) mutable {
          if (!started) {
            started = true;
            // A copy first: `prefix` lives in `self`, which moves into the operation.
            const auto buffers_now = prefix;
            socket_.async_write_some(buffers_now, std::move(self));
            return;
          }
          ++log_->finished;
          if (index < log_->calls.size()) {
            log_->calls[index].taken = n;
            log_->calls[index].ec = ec;
          }
          if (ec) log_->failures.try_send(std::error_code{}, ec);
          self.complete(ec, n);
        },
        token, socket_);
  }

 private:
  tcp::socket socket_;
  std::shared_ptr<write_log> log_;
};

static_assert(!server::writes_without_waiting<async_only_stream>);
static_assert(!server::reads_without_waiting<async_only_stream>);

}  // namespace msgapp::test
