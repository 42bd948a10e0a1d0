// Reading lines without holding a buffer while idle, and writing all queued lines at once.
#include "msgapp/server/connection.hpp"

#include <array>
#include <span>

#include <msgapp/net/contain.hpp>

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
  if (!flush_posted_ && !waiting_) {
    // Write after the hub's current turn, so every line queued in that turn leaves together.
    flush_posted_ = true;
    schedule_flush(shared_from_this());
  }
  return true;
}

// Connections with output waiting for the end of the current turn, kept per io_context (an
// Asio service, so a destroyed io_context takes its list along). One posted handler flushes
// them all: a broadcast to 200 users costs one post, not 200.
class flush_list final : public net::execution_context::service {
 public:
  using key_type = flush_list;
  static inline net::execution_context::id id;
  explicit flush_list(net::execution_context& ctx) : service(ctx) {}
  std::vector<std::shared_ptr<connection>> pending;

 private:
  void shutdown() override { pending.clear(); }
};

void connection::schedule_flush(std::shared_ptr<connection> self) {
  const auto ex = self->socket_.get_executor();
  auto& list = net::use_service<flush_list>(net::query(ex, net::execution::context));
  if (list.pending.empty()) {
    net::post(ex, [&list] {
      auto batch = std::exchange(list.pending, {});
      for (const auto& c : batch)
        c->flush();
    });
  }
  list.pending.push_back(std::move(self));
}

void connection::flush() {
  flush_posted_ = false;
  if (waiting_) return;
  write_now();
  if (!queue_.empty() && socket_.is_open()) {
    // The kernel's send buffer is full: wait for room in a coroutine that lives only now.
    waiting_ = true;
    net::co_spawn(socket_.get_executor(), wait_and_write(shared_from_this()),
                  log_and_contain{"a connection writer"});
  } else if (closing_) {
    close_socket();
  }
}

// One non-blocking gather write (writev) per 64 queued lines, for as much as the kernel takes.
void connection::write_now() {
  std::size_t sent = 0;  // lines completely written; erased once, at the end
  while (sent < queue_.size() && socket_.is_open()) {
    std::array<net::const_buffer, 64> buffers;
    std::size_t count = 0;
    for (std::size_t i = sent; i < queue_.size() && count < buffers.size(); ++i, ++count) {
      buffers[count] = net::buffer(*queue_[i]);
    }
    buffers[0] += front_written_;
    std::error_code ec;
    std::size_t n = socket_.write_some(std::span(buffers.data(), count), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) break;
    if (ec) return abort();  // the connection broke; the session's read will end too
    queued_bytes_ -= n;
    while (sent < queue_.size() && n >= queue_[sent]->size() - front_written_) {
      n -= queue_[sent]->size() - front_written_;
      front_written_ = 0;
      ++sent;
    }
    front_written_ += n;
  }
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(sent));
  if (queue_.empty()) std::vector<shared_line>().swap(queue_);  // hold no memory while idle
}

// The slow path: a client that reads slowly. Each wait for room is bounded by write_timeout;
// a client that takes nothing for that long is cut off.
awaitable<void> connection::wait_and_write(std::shared_ptr<connection> self) {
  net::steady_timer timer(self->socket_.get_executor());
  while (!self->queue_.empty() && self->socket_.is_open()) {
    timer.expires_after(self->write_timeout_);
    auto result = co_await (self->socket_.async_wait(tcp::socket::wait_write, use_nothrow) ||
                            timer.async_wait(use_nothrow));
    if (result.index() == 1 || std::get<0>(std::get<0>(result))) {
      self->abort();
      break;
    }
    self->write_now();
  }
  self->waiting_ = false;
  if (self->closing_) self->close_socket();
}

void connection::close_after_flush() {
  closing_ = true;
  if (!flush_posted_ && !waiting_) close_socket();  // otherwise the writer closes when done
}

void connection::abort() {
  closing_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  front_written_ = 0;
  close_socket();
}

void connection::close_socket() {
  std::error_code ignored;
  if (!socket_.is_open()) return;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);  // ends the session's pending read with operation_aborted
}

}  // namespace msgapp::server
