// One client socket: a line reader for its session, and a bounded outbox for the hub.
#pragma once

#include <memory>
#include <system_error>
#include <vector>

#include <msgapp/net.hpp>
#include <msgapp/protocol/line_framer.hpp>

#include "msgapp/server/config.hpp"
#include "msgapp/server/line_sink.hpp"

namespace msgapp::server {

// Only the session reads. Output is written after the hub's turn by flush(), one gather write
// for everything queued; only when the kernel will not take it all does a writer coroutine
// exist, waiting for the socket to drain. While idle, a connection holds a socket, an empty
// framer and an empty queue.
class connection final : public line_sink, public std::enable_shared_from_this<connection> {
 public:
  using line = protocol::line_framer::line;

  connection(tcp::socket socket, const config& cfg);

  // The next line from the client (its text is valid until the next call), or why there is
  // none: eof when the client left, operation_aborted when we closed the connection.
  awaitable<tl::expected<line, std::error_code>> read_line();
  // A line that has already arrived, without waiting (same lifetime rule as read_line).
  std::optional<line> buffered_line() { return framer_.next(); }

  bool deliver(shared_line line) override;
  void close_after_flush() override;
  void abort() override;

 private:
  static void schedule_flush(std::shared_ptr<connection> self);
  void flush();
  void write_now();
  static awaitable<void> wait_and_write(std::shared_ptr<connection> self);
  void close_socket();

  tcp::socket socket_;
  protocol::line_framer framer_;
  std::vector<shared_line> queue_;
  std::size_t front_written_ = 0;  // bytes of queue_.front() already sent
  std::size_t queued_bytes_ = 0;   // unsent bytes in queue_
  std::size_t outbox_limit_;
  milliseconds write_timeout_;
  bool flush_posted_ = false;  // flush() will run after the current turn
  bool waiting_ = false;       // wait_and_write() is running: the kernel's buffer is full
  bool closing_ = false;
  bool eof_ = false;
};

}  // namespace msgapp::server
