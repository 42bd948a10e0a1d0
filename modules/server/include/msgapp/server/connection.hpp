// One client socket: a line reader for its session, and a bounded outbox for the hub.
#pragma once

#include <memory>
#include <system_error>
#include <vector>

#include <msgapp/net.hpp>
#include <msgapp/protocol/line_framer.hpp>

#include "msgapp/server/config.hpp"
#include "msgapp/server/peer.hpp"

namespace msgapp::server {

// Only the session reads; only the writer coroutine writes, and it exists only while output
// is queued. While idle, a connection holds a socket, an empty framer and an empty queue.
class connection final : public peer, public std::enable_shared_from_this<connection> {
 public:
  using line = protocol::line_framer::line;

  connection(tcp::socket socket, const config& cfg);

  // The next line from the client (its text is valid until the next call), or why there is
  // none: eof when the client left, operation_aborted when we closed the connection.
  awaitable<tl::expected<line, std::error_code>> read_line();

  bool deliver(shared_line line) override;
  void close_after_flush() override;
  void abort() override;

 private:
  static awaitable<void> write_queued(std::shared_ptr<connection> self);
  void close_socket();

  tcp::socket socket_;
  protocol::line_framer framer_;
  std::vector<shared_line> queue_;
  std::size_t queued_bytes_ = 0;  // counts lines until they are written, so the bound holds
  std::size_t outbox_limit_;
  milliseconds write_timeout_;
  bool writing_ = false;
  bool closing_ = false;
  bool eof_ = false;
};

}  // namespace msgapp::server
