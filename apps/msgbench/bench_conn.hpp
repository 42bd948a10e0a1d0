// One client connection: connect, read a line at a time, and write through one coalescing writer.
#pragma once

#include "wake_signal.hpp"

#include <msgapp/tls/stream.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace msgbench {

std::int64_t now_ns();

class bench_conn : public std::enable_shared_from_this<bench_conn> {
 public:
  // Over TLS when `tls` is given (it must outlive the connection).
  explicit bench_conn(const asio::any_io_executor& ex, msgapp::tls::ssl::context* tls = nullptr);

  // receive_buffer > 0 sets SO_RCVBUF before connecting (it must precede the handshake).
  // Over TLS, the TLS handshake follows, for the certificate of the target's address.
  // `from`: a local address to connect from (another loopback address, say), if not empty.
  msgapp::awaitable<asio::error_code> connect(msgapp::tcp::endpoint target, int receive_buffer = 0,
                                              std::optional<asio::ip::address> from = {});

  // The next complete line already received, without "\r\n"; valid until the next fill().
  std::optional<std::string_view> next_buffered_line();
  // One read from the socket; stamps arrival_ns() so latency needs no clock call per line.
  msgapp::awaitable<asio::error_code> fill();
  // next_buffered_line(), filling as needed; for the request/reply phases (login, logout).
  msgapp::awaitable<std::tuple<asio::error_code, std::string_view>> read_line();
  std::int64_t arrival_ns() const { return arrival_ns_; }

  // Queues bytes for the writer. Exactly one writer coroutine touches the socket, so lines
  // never interleave, and everything queued while a write is in progress goes out in one write.
  void send(std::string_view bytes);
  std::size_t queued_bytes() const { return out_.size() + writing_buf_.size(); }
  // Waits until everything queued so far has been written (or the write failed).
  msgapp::awaitable<void> wait_written();

  // The slow-reader workload stops a receiver's reading and later resumes it to drain.
  bool reading_paused = false;
  wake_signal reading_resumed;

  void close();
  bool is_open() const { return sock_.socket().is_open(); }

 private:
  static msgapp::awaitable<void> write_queued(std::shared_ptr<bench_conn> self);

  msgapp::tls::stream sock_;
  std::vector<char> in_;
  std::size_t begin_ = 0;  // first unread byte in in_
  std::size_t end_ = 0;    // one past the last received byte
  std::int64_t arrival_ns_ = 0;
  std::string out_;          // queued, not yet handed to the kernel
  std::string writing_buf_;  // being written now
  bool writing_ = false;
  wake_signal written_;
};

}  // namespace msgbench
