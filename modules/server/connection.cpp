// Reading lines without holding a buffer while idle, and writing all queued lines at once.
#include "msgapp/server/connection.hpp"

#include <array>

#include "msgapp/server/contain.hpp"

namespace msgapp::server {

using namespace net::experimental::awaitable_operators;

connection::connection(tcp::socket socket, const config& cfg)
    : socket_(std::move(socket)),
      framer_(cfg.limits.max_line),
      outbox_limit_(cfg.outbox_bytes),
      write_timeout_(cfg.write_timeout) {
  std::error_code ignored;
  socket_.non_blocking(true, ignored);  // read_some below must never block the io thread
}

awaitable<tl::expected<connection::line, std::error_code>> connection::read_line() {
  // One scratch buffer for every connection on this thread: bytes move from it into the
  // framer at once, so a connection keeps only what it has not yet turned into lines.
  static thread_local std::array<char, 64 * 1024> scratch;
  for (;;) {
    if (auto next = framer_.next()) co_return *next;
    if (eof_) co_return tl::unexpected(std::error_code(net::error::eof));
    if (!socket_.is_open())
      co_return tl::unexpected(std::error_code(net::error::operation_aborted));

    // Wait for readability first: an idle connection has one pending wait and no buffer.
    auto [ec] = co_await socket_.async_wait(tcp::socket::wait_read, use_nothrow);
    if (ec) co_return tl::unexpected(ec);
    std::error_code read_ec;
    const std::size_t n = socket_.read_some(net::buffer(scratch), read_ec);
    if (read_ec == net::error::would_block || read_ec == net::error::try_again) continue;
    if (read_ec == net::error::eof) {
      eof_ = true;  // never read again after eof (Asio 1.22 may not complete a later read)
      if (framer_.buffered() > 0) framer_.feed("\n");  // a last line without its '\n' counts
      continue;
    }
    if (read_ec) co_return tl::unexpected(read_ec);
    framer_.feed(std::string_view(scratch.data(), n));
  }
}

bool connection::deliver(shared_line line) {
  if (closing_) return true;  // already ending; late lines are dropped, not an overflow
  if (queued_bytes_ + line->size() > outbox_limit_) return false;
  queued_bytes_ += line->size();
  queue_.push_back(std::move(line));
  if (!writing_) {
    writing_ = true;
    net::co_spawn(socket_.get_executor(), write_queued(shared_from_this()),
                  log_and_contain{"a connection writer"});
  }
  return true;
}

// The writer: takes everything queued, writes it with one gather write, and repeats until
// the queue is empty. co_spawn runs it after the hub's current turn, so lines queued in the
// same turn leave in the same write.
awaitable<void> connection::write_queued(std::shared_ptr<connection> self) {
  std::vector<shared_line> batch;
  std::vector<net::const_buffer> buffers;
  net::steady_timer timer(self->socket_.get_executor());
  while (!self->queue_.empty() && self->socket_.is_open()) {
    batch.swap(self->queue_);
    buffers.clear();
    std::size_t bytes = 0;
    for (const auto& line : batch) {
      buffers.push_back(net::buffer(*line));
      bytes += line->size();
    }
    timer.expires_after(self->write_timeout_);
    auto result = co_await (net::async_write(self->socket_, buffers, use_nothrow) ||
                            timer.async_wait(use_nothrow));
    self->queued_bytes_ -= bytes;
    batch.clear();
    if (result.index() == 1 || std::get<0>(std::get<0>(result))) {
      self->abort();  // too slow to take a write, or the connection broke
      break;
    }
  }
  std::vector<shared_line>().swap(self->queue_);  // hold no memory while idle
  self->writing_ = false;
  if (self->closing_) self->close_socket();
}

void connection::close_after_flush() {
  closing_ = true;
  if (!writing_) close_socket();
}

void connection::abort() {
  closing_ = true;
  for (const auto& line : queue_)
    queued_bytes_ -= line->size();  // in-flight bytes stay counted
  queue_.clear();
  close_socket();
}

void connection::close_socket() {
  std::error_code ignored;
  if (!socket_.is_open()) return;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);  // ends the session's pending read with operation_aborted
}

}  // namespace msgapp::server
