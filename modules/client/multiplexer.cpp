// The multiplexer: the reader hands each reply to the oldest awaited slot and each event to
// the event queue; the writer drains the queue of unsent lines in one write at a time.
#include "multiplexer.hpp"

#include <msgapp/net/contain.hpp>
#include <msgapp/protocol/reply.hpp>
#include <msgapp/protocol/words.hpp>

namespace msgapp::client {

namespace {
std::error_code error_of(std::errc e) {
  return std::make_error_code(e);
}
}  // namespace

multiplexer::multiplexer(tls::stream stream, tls::context_ptr context)
    : context_(std::move(context)),
      stream_(std::move(stream)),
      writer_idle_(stream_.get_executor(), net::steady_timer::time_point::max()),
      events_(stream_.get_executor(), max_kept_events) {}

awaitable<result<std::string>> multiplexer::read_raw_line() {
  auto [ec, n] = co_await net::async_read_until(
      stream_, net::dynamic_buffer(buffer_, max_server_line), '\n', use_nothrow);
  // A TLS server that closed without close_notify has still closed: the same end as eof.
  if (ec == tls::ssl::error::stream_truncated) co_return tl::unexpected(net::error::eof);
  if (ec) co_return tl::unexpected(ec);
  std::string line = buffer_.substr(0, n - 1);
  buffer_.erase(0, n);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  co_return line;
}

void multiplexer::start(const std::shared_ptr<multiplexer>& self) {
  const auto ex = self->stream_.get_executor();
  net::co_spawn(ex, read_lines(self), log_and_contain{"the client's reader"});
  net::co_spawn(ex, write_lines(self), log_and_contain{"the client's writer"});
}

// Reads until the connection ends, and never after that: a read after EOF may never complete.
awaitable<void> multiplexer::read_lines(std::shared_ptr<multiplexer> self) {
  while (!self->ended_) {
    const auto line = co_await self->read_raw_line();
    if (!line) {
      self->end(line.error());
      co_return;
    }
    self->take(*line);
  }
}

void multiplexer::take(std::string_view raw) {
  event_line line;
  static_cast<server_line&>(line) = protocol::parse_server_line(raw);
  const bool reply = line.kind == line_kind::ok || line.kind == line_kind::error;
  if (line.kind == line_kind::event && !awaited_.empty() && gather(raw)) return;
  if (reply && !awaited_.empty()) {
    const auto slot = std::move(awaited_.front());
    awaited_.pop_front();
    if (!gathered_.empty()) {
      // `users <gathered> <the reply's own names>`: the reply as if it had come in one line.
      const std::string_view head = protocol::words::users;
      if (line.kind == line_kind::ok && line.text.starts_with(head)) {
        line.text = std::string(head).append(gathered_).append(line.text.substr(head.size()));
      }
      gathered_.clear();
      gathered_.shrink_to_fit();
    }
    if (slot) slot->try_send(std::error_code{}, server_line(std::move(line)));  // its one value
    return;
  }
  if (line.kind == line_kind::event) line.typed = protocol::parse_event(raw);
  // A caller that never takes its events must not make us grow without bound.
  if (!events_.try_send(std::error_code{}, std::move(line))) {
    return end(error_of(std::errc::no_buffer_space));
  }
  ++kept_;
}

// A `users ...` continuation belongs to the oldest awaited reply, which the server sends
// right after its last continuation line.
bool multiplexer::gather(std::string_view raw) {
  const auto names = protocol::parse_users_continuation(raw);
  if (!names) return false;
  for (const auto& n : *names) {
    if (gathered_.size() + 1 + n.size() > max_gathered_reply) {
      end(error_of(std::errc::no_buffer_space));
      return true;
    }
    gathered_.append(" ").append(n);
  }
  return true;
}

// The only coroutine that writes. Everything queued goes out in one write.
awaitable<void> multiplexer::write_lines(std::shared_ptr<multiplexer> self) {
  std::string batch;
  while (!self->ended_) {
    auto& queue = self->unsent_;
    if (queue.empty()) {
      co_await self->writer_idle_.async_wait(use_nothrow);  // until cancelled by a sender
      continue;
    }
    if (queue.front().half_close) {
      queue.pop_front();
      std::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      continue;
    }
    batch.clear();
    while (!queue.empty() && !queue.front().half_close) {
      batch += queue.front().bytes;
      queue.pop_front();
    }
    auto [ec, n] = co_await net::async_write(self->stream_, net::buffer(batch), use_nothrow);
    if (ec) self->end(ec);
  }
}

std::error_code multiplexer::queue_raw(std::string bytes, bool half_close) {
  if (ended_) return end_error_;
  if (unsent_.size() >= max_unsent_lines) return error_of(std::errc::no_buffer_space);
  unsent_.push_back(unsent{std::move(bytes), half_close});
  writer_idle_.cancel();
  return {};
}

result<std::shared_ptr<multiplexer::reply_slot>> multiplexer::claim(std::string line,
                                                                    bool awaited) {
  if (awaited_.size() >= max_awaited_replies) {
    return tl::unexpected(error_of(std::errc::no_buffer_space));
  }
  if (auto ec = queue_raw(std::move(line))) return tl::unexpected(ec);
  // Queued in the same turn as the line, so the slots are in the order the replies will come.
  auto slot = awaited ? std::make_shared<reply_slot>(stream_.get_executor(), 1) : nullptr;
  awaited_.push_back(slot);
  return slot;
}

awaitable<result<event_line>> multiplexer::next_event() {
  if (ended_ && !events_.ready()) co_return tl::unexpected(end_error_);
  auto [ec, event] = co_await events_.async_receive(use_nothrow);
  if (ec) co_return tl::unexpected(ec);  // the end, or this wait was cancelled
  --kept_;
  co_return std::move(event);
}

void multiplexer::end(std::error_code why) {
  if (ended_) return;
  ended_ = true;
  end_error_ = why;
  for (const auto& slot : awaited_)
    if (slot) slot->try_send(why, server_line{});
  awaited_.clear();
  unsent_.clear();
  writer_idle_.cancel();
  // Behind the events already queued (close() would drop them); if the queue is full,
  // next_event() reports the end once it is empty.
  events_.try_send(why, event_line{});
  stream_.close();
}

result<tcp::endpoint> multiplexer::local_endpoint() const {
  std::error_code ec;
  auto endpoint = stream_.socket().local_endpoint(ec);
  if (ec) return tl::unexpected(ec);
  return endpoint;
}

}  // namespace msgapp::client
