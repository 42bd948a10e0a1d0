// One client connection: the line reader its session uses, and the I/O shell around its outbox.
#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <variant>

#include <sys/socket.h>

#include <msgapp/net.hpp>
#include <msgapp/net/contain.hpp>
#include <msgapp/net/sleep.hpp>
#include <msgapp/protocol/line_framer.hpp>

#include "msgapp/server/config.hpp"
#include "msgapp/server/flush_list.hpp"
#include "msgapp/server/line_sink.hpp"
#include "msgapp/server/outbox.hpp"

namespace msgapp::server {

// For learners: the textbook session (Asio's chat_server example) is a reader looping on
// async_read_until and a writer coroutine per session draining a queue. It reads best, but
// every idle connection then holds a read buffer and two coroutine frames, and every line is
// a write of its own. Here the session waits for readability holding no buffer, and output
// waits for the end of the hub's turn and leaves in one gather write; a writer coroutine
// exists only while the client is slow. docs/performance.md has the measurements behind this.

// Whether Stream can move bytes without waiting: a non-blocking write_some (writev) or
// read_some once its socket is ready. A TCP socket can. A stream that cannot, such as
// asio::ssl::stream (a TLS record goes out whole, writing may need a read first, and a
// readable socket need not mean readable plaintext), keeps the defaults, `false`: the shell
// then writes with async_write_some, one gather of the outbox per call (Asio's TLS stream
// packs up to 8 KiB of a gather into one record), each call bounded by write_timeout, and
// reads with async_read_some into a buffer of its own.
template <typename Stream>
inline constexpr bool writes_without_waiting = false;
template <>
inline constexpr bool writes_without_waiting<tcp::socket> = true;
template <typename Stream>
inline constexpr bool reads_without_waiting = false;
template <>
inline constexpr bool reads_without_waiting<tcp::socket> = true;

// What a stream does at its ends beyond TCP's; by default, nothing. TLS (tls_connection.hpp)
// says goodbye (close_notify) before the socket closes, bounded by tls_close_timeout, and calls
// a peer that closed without one `truncated`: that ends the stream as eof does, except that an
// unfinished last line is dropped (a cut connection, or someone on the path, ended it).
template <typename Stream>
struct stream_ends {
  static bool truncated(const std::error_code&) { return false; }
};
template <typename Stream>
concept says_goodbye = requires(Stream& s) {
  stream_ends<Stream>::goodbye(s);
};

// What a stream must offer: get_executor(), lowest_layer() (the tcp::socket, for is_open,
// shutdown and close), async_read_some and async_write_some, plus read_some/write_some
// when the traits above say so. tests/server/async_only_stream.hpp is such a stream.
// A TLS stream (asio::ssl::stream<tcp::socket>) needs only: a run_session overload in
// session.cpp that does the handshake, builds its connection and returns the same serve();
// `template class basic_connection<...>;` in a .cpp that links OpenSSL; and, for a polite
// close, a stream_ends specialisation. Nothing else changes.

// Only the session reads. Output is written after the hub's turn by flush(), one gather write
// for everything queued; only when the stream will not take it all at once does a writer
// coroutine exist. While idle, a connection holds a socket, an empty framer and an empty outbox.
template <typename Stream>
class basic_connection final : public line_sink,
                               public std::enable_shared_from_this<basic_connection<Stream>> {
 public:
  using line = protocol::line_framer::line;
  // Bytes one read may take: the plaintext of one TLS record. It is also what a busy
  // connection's framer holds beyond a partial line, so it bounds the memory of flooding and
  // lagging sessions (larger reads save few system calls and cost 4x the memory).
  static constexpr std::size_t read_bytes = 16 * 1024;

  basic_connection(Stream stream, const config& cfg);

  // The next line from the client (its text is valid until the next call), or why there is
  // none: eof when the client left, operation_aborted when we closed the connection. With a
  // `stall`, timed_out once part of a line has waited that long for the rest (a timer runs
  // only while part of a line is held).
  awaitable<tl::expected<line, std::error_code>> read_line(milliseconds stall = milliseconds(0));
  // A line that has already arrived, without waiting (same lifetime rule as read_line).
  std::optional<line> buffered_line() { return discarding_ ? std::nullopt : framer_.next(); }
  // The chatting session's reads, which keep no coroutine frame alive while idle: a line that
  // is here now (a TCP socket is read once, without waiting, when none is buffered), or none.
  // When none comes, ended() says whether more may: {} means wait_for_input(), then try again.
  std::optional<line> line_now();
  // Why no more lines will come (as read_line: eof, operation_aborted, or the read's error),
  // or {} while more may come.
  std::error_code ended();
  // Waits until line_now() may have more. TCP: readability, an operation of Asio's with no
  // frame or buffer of ours, so an idle session holds just its own frame and this wait. Other
  // streams: one read into the connection's buffer.
  auto wait_for_input() {
    if constexpr (reads_without_waiting<Stream>) {
      return socket().async_wait(tcp::socket::wait_read, use_nothrow);
    } else {
      return read_into_buffer();
    }
  }
  // Whether more has arrived than the session has taken: a line or part of one here, or
  // bytes waiting in the kernel. A session held back while input waits is being flooded.
  bool input_waiting();
  // Waits `d`, or less if the connection closes meanwhile (logout, time-out, shutdown), so a
  // session held back by its command rate or the login throttle never keeps a closed
  // connection alive. False when the connection has closed.
  awaitable<bool> pause(std::chrono::steady_clock::duration d);
  // Whether the client has closed or reset its side, seen without reading anything.
  bool peer_closed();
  // The client's address, as text (the unspecified address once the socket has closed).
  std::string peer_address() {
    std::error_code ignored;
    return socket().remote_endpoint(ignored).address().to_string();
  }

  bool deliver(shared_line line) override;
  void close_after_flush() override;
  void abort() override;
  bool say_last(shared_line notice) override;
  void when_written(std::function<void()> ready) override;

 private:
  friend class flush_list;
  // Who writes next: nobody (nothing queued), the handler flush_list runs after this turn,
  // or the writer coroutine (the stream would not take everything at once).
  enum class writer : std::uint8_t { idle, posted, waiting };

  bool feed(std::error_code ec, std::string_view bytes);
  awaitable<std::tuple<std::error_code>> read_into_buffer() requires(
      !reads_without_waiting<Stream>);
  // One scratch buffer for every connection on this thread: bytes move from it into the
  // framer at once, so a connection keeps only what it has not yet turned into lines.
  static std::array<char, read_bytes>& scratch() {
    static thread_local std::array<char, read_bytes> buffer;
    return buffer;
  }
  void flush();
  void write_now() requires writes_without_waiting<Stream>;
  static awaitable<void> wait_and_write(std::shared_ptr<basic_connection> self);
  void schedule_flush();
  void close_if_done();
  static awaitable<void> say_goodbye(std::shared_ptr<basic_connection> self) requires
      says_goodbye<Stream>;
  void close_socket();
  void notify_if_written();
  auto& socket() { return stream_.lowest_layer(); }
  static std::chrono::duration<std::uint32_t, std::milli> short_duration(milliseconds d) {
    return std::chrono::duration<std::uint32_t, std::milli>(static_cast<std::uint32_t>(
        std::clamp<milliseconds::rep>(d.count(), 0, std::numeric_limits<std::uint32_t>::max())));
  }

  // Laid out small on purpose: one idle connection is this object and its shared_ptr's
  // control block, 320 bytes in all, jemalloc's size class (docs/performance.md, "Idle").
  Stream stream_;
  protocol::line_framer framer_;
  outbox out_;
  std::error_code read_failed_;  // line_now()'s read failed: never read again
  std::chrono::steady_clock::time_point partial_since_{};  // part of a line waits since; {}: none
  // when_written()'s callback: allocated only while a page of offline messages waits, so
  // an idle connection pays one pointer for it.
  std::unique_ptr<std::function<void()>> on_written_;
  net::steady_timer* pause_ = nullptr;  // while pause() waits: close_socket() cuts it short
  std::chrono::duration<std::uint32_t, std::milli> write_timeout_;  // 49 days at most
  std::chrono::duration<std::uint32_t, std::milli> close_timeout_;
  std::uint16_t lines_in_flight_ = 0;  // held by an async_write_some: push_front keeps them first
  writer writer_ = writer::idle;
  bool eof_ = false;      // the client sent eof: never read again
  bool closing_ = false;  // saying goodbye: the session reads no more
  // After say_last: input is read and dropped, and (TCP) the end is a half-close that waits
  // for the client's own close, so unread input cannot turn it into a reset that would
  // destroy the notice on its way. The hub's grace period bounds the wait.
  bool discarding_ = false;
  // A pending async_read_some needs a buffer of its own (the thread's scratch buffer is
  // shared); a stream that reads without waiting does not pay for it.
  struct no_buffer {};
  [[no_unique_address]] std::conditional_t<reads_without_waiting<Stream>, no_buffer,
                                           std::array<char, read_bytes>>
      read_buffer_;
};

using connection = basic_connection<tcp::socket>;
extern template class basic_connection<tcp::socket>;  // compiled once, in connection.cpp

// ---- implementation ----

template <typename Stream>
basic_connection<Stream>::basic_connection(Stream stream, const config& cfg)
    : stream_(std::move(stream)),
      framer_(cfg.limits.max_line),
      out_(cfg.outbox_bytes),
      write_timeout_(short_duration(cfg.write_timeout)),
      close_timeout_(short_duration(cfg.tls_close_timeout)) {
  if constexpr (reads_without_waiting<Stream>) {
    std::error_code ignored;
    socket().non_blocking(true, ignored);  // read_some below must never block the io thread
  }
}

template <typename Stream>
awaitable<tl::expected<typename basic_connection<Stream>::line, std::error_code>>
basic_connection<Stream>::read_line(milliseconds stall) {
  using namespace net::experimental::awaitable_operators;
  for (;;) {
    if (auto next = buffered_line()) {
      partial_since_ = {};
      co_return *next;
    }
    if (eof_) co_return tl::unexpected(std::error_code(net::error::eof));
    if (!socket().is_open() || closing_)
      co_return tl::unexpected(std::error_code(net::error::operation_aborted));
    // Part of a line is held: from now on, its rest has until partial_since_ + stall.
    const bool timed = stall.count() > 0 && framer_.buffered() > 0;
    const auto now = std::chrono::steady_clock::now();
    if (!timed) {
      partial_since_ = {};
    } else if (partial_since_ == std::chrono::steady_clock::time_point{}) {
      partial_since_ = now;
    }
    const auto left = partial_since_ + stall - now;
    if (timed && left <= left.zero())
      co_return tl::unexpected(std::error_code(net::error::timed_out));

    if constexpr (reads_without_waiting<Stream>) {
      // Wait for readability first: an idle connection has one pending wait and no buffer.
      std::error_code ec;
      if (timed) {
        auto waited =
            co_await (socket().async_wait(tcp::socket::wait_read, use_nothrow) || sleep_for(left));
        if (waited.index() == 1) co_return tl::unexpected(std::error_code(net::error::timed_out));
        ec = std::get<0>(std::get<0>(waited));
      } else {
        std::tie(ec) = co_await socket().async_wait(tcp::socket::wait_read, use_nothrow);
      }
      if (ec) co_return tl::unexpected(ec);
      std::error_code read_ec;
      const std::size_t n = stream_.read_some(net::buffer(scratch()), read_ec);
      if (read_ec == net::error::would_block || read_ec == net::error::try_again) continue;
      if (!feed(read_ec, std::string_view(scratch().data(), n))) co_return tl::unexpected(read_ec);
    } else {
      std::error_code ec;
      std::size_t n = 0;
      if (timed) {
        auto read = co_await (stream_.async_read_some(net::buffer(read_buffer_), use_nothrow) ||
                              sleep_for(left));
        if (read.index() == 1) co_return tl::unexpected(std::error_code(net::error::timed_out));
        std::tie(ec, n) = std::get<0>(read);
      } else {
        std::tie(ec, n) = co_await stream_.async_read_some(net::buffer(read_buffer_), use_nothrow);
      }
      if (closing_) continue;  // as if the socket had closed at once, as TCP's does
      if (!feed(ec, std::string_view(read_buffer_.data(), n))) co_return tl::unexpected(ec);
    }
  }
}

template <typename Stream>
std::optional<typename basic_connection<Stream>::line> basic_connection<Stream>::line_now() {
  if (auto next = buffered_line()) return next;
  if constexpr (reads_without_waiting<Stream>) {
    if (eof_ || read_failed_ || closing_ || !socket().is_open()) return std::nullopt;
    std::error_code ec;
    const std::size_t n = stream_.read_some(net::buffer(scratch()), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) return std::nullopt;
    if (!feed(ec, std::string_view(scratch().data(), n))) {
      read_failed_ = ec;
      return std::nullopt;
    }
    return buffered_line();
  } else {
    return std::nullopt;
  }
}

template <typename Stream>
std::error_code basic_connection<Stream>::ended() {
  if (read_failed_) return read_failed_;
  if (eof_) return net::error::eof;
  if (!socket().is_open() || closing_) return net::error::operation_aborted;
  return {};
}

template <typename Stream>
awaitable<std::tuple<std::error_code>> basic_connection<Stream>::read_into_buffer() requires(
    !reads_without_waiting<Stream>) {
  if (eof_ || read_failed_ || closing_ || !socket().is_open()) co_return std::error_code{};
  auto [ec, n] = co_await stream_.async_read_some(net::buffer(read_buffer_), use_nothrow);
  if (closing_) co_return std::error_code{};  // as if the socket had closed at once, as TCP's does
  if (!feed(ec, std::string_view(read_buffer_.data(), n))) read_failed_ = ec;
  co_return std::error_code{};
}

template <typename Stream>
bool basic_connection<Stream>::peer_closed() {
  if (eof_ || !socket().is_open()) return true;
  char byte = 0;
  const auto n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// Feeds what one read brought to the framer; false when the read failed (other than eof).
template <typename Stream>
bool basic_connection<Stream>::feed(std::error_code ec, std::string_view bytes) {
  if (ec == net::error::eof) {
    eof_ = true;  // never read again after eof (Asio 1.22 may not complete a later read)
    if (framer_.buffered() > 0 && !discarding_) framer_.feed("\n");  // a last line counts
    return true;
  }
  if (stream_ends<Stream>::truncated(ec)) {
    eof_ = true;  // an unfinished last line stays in the framer, never to become a line
    return true;
  }
  if (ec) return false;
  if (!discarding_) framer_.feed(bytes);
  return true;
}

template <typename Stream>
bool basic_connection<Stream>::input_waiting() {
  std::error_code ignored;
  return framer_.buffered() > 0 || socket().available(ignored) > 0;
}

template <typename Stream>
awaitable<bool> basic_connection<Stream>::pause(std::chrono::steady_clock::duration d) {
  if (!socket().is_open() || closing_) co_return false;
  net::steady_timer timer(socket().get_executor(), d);
  pause_ = &timer;
  co_await timer.async_wait(use_nothrow);
  pause_ = nullptr;
  co_return socket().is_open() && !closing_;
}

template <typename Stream>
bool basic_connection<Stream>::deliver(shared_line line) {
  const auto result = out_.push(std::move(line));
  if (result == outbox::push_result::full) return false;
  if (result == outbox::push_result::queued) schedule_flush();
  return true;  // queued, or dropped because we are already ending
}

template <typename Stream>
bool basic_connection<Stream>::say_last(shared_line notice) {
  if (out_.push_front(std::move(notice), lines_in_flight_) != outbox::push_result::queued)
    return false;
  discarding_ = true;
  schedule_flush();
  return true;
}

template <typename Stream>
void basic_connection<Stream>::schedule_flush() {
  if (writer_ != writer::idle) return;  // the writer coroutine takes new lines as it goes
  // Write after the hub's current turn, so every line queued in that turn leaves together.
  writer_ = writer::posted;
  flush_list::schedule(socket().get_executor(), this->shared_from_this());
}

template <typename Stream>
void basic_connection<Stream>::flush() {
  writer_ = writer::idle;
  if constexpr (writes_without_waiting<Stream>) write_now();
  if (!out_.empty() && socket().is_open()) {
    // TCP: the kernel's send buffer is full. Other streams: they only write asynchronously.
    // Either way a writer coroutine lives until the outbox is empty, and no longer.
    writer_ = writer::waiting;
    net::co_spawn(socket().get_executor(), wait_and_write(this->shared_from_this()),
                  log_and_contain{"a connection writer"});
  } else {
    notify_if_written();
    close_if_done();
  }
}

// One non-blocking gather write (writev) per outbox::max_gather lines, for as much as the
// kernel takes.
template <typename Stream>
void basic_connection<Stream>::write_now() requires writes_without_waiting<Stream> {
  while (!out_.empty() && socket().is_open()) {
    outbox::gather_buffers buffers;
    const std::size_t count = out_.gather(buffers);
    std::error_code ec;
    const std::size_t n = stream_.write_some(std::span(buffers.data(), count), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) break;
    if (ec) return abort();  // the connection broke; the session's read will end too
    out_.written(n);
  }
}

// The slow path: a client that reads slowly, or a stream that only writes asynchronously.
// Each wait is bounded by write_timeout (TCP: a wait for room; otherwise: one async_write_some
// of the gather buffers), so a client that takes nothing for that long is cut off, while one
// that reads slowly but steadily is not. Lines queued meanwhile join the next gather.
template <typename Stream>
awaitable<void> basic_connection<Stream>::wait_and_write(std::shared_ptr<basic_connection> self) {
  using namespace net::experimental::awaitable_operators;
  net::steady_timer timer(self->socket().get_executor());
  while (!self->out_.empty() && self->socket().is_open()) {
    timer.expires_after(self->write_timeout_);
    if constexpr (writes_without_waiting<Stream>) {
      auto result = co_await (self->socket().async_wait(tcp::socket::wait_write, use_nothrow) ||
                              timer.async_wait(use_nothrow));
      if (result.index() == 1 || std::get<0>(std::get<0>(result))) {
        self->abort();
        break;
      }
      self->write_now();
    } else {
      // The buffers point into lines the outbox keeps until written() is told, and `||`
      // returns only once the losing operation has completed, so they outlive the write.
      outbox::gather_buffers buffers;
      const std::size_t count = self->out_.gather(buffers);
      self->lines_in_flight_ = static_cast<std::uint16_t>(count);
      auto result =
          co_await (self->stream_.async_write_some(std::span(buffers.data(), count), use_nothrow) ||
                    timer.async_wait(use_nothrow));
      self->lines_in_flight_ = 0;
      if (result.index() == 1 || std::get<0>(std::get<0>(result))) {
        self->abort();
        break;
      }
      self->out_.written(std::get<1>(std::get<0>(result)));  // perhaps part: gather the rest
    }
  }
  self->writer_ = writer::idle;
  self->notify_if_written();
  self->close_if_done();
}

template <typename Stream>
void basic_connection<Stream>::close_after_flush() {
  out_.close_after_flush();
  if (writer_ == writer::idle) close_if_done();  // otherwise the writer closes when done
}

template <typename Stream>
void basic_connection<Stream>::abort() {
  close_socket();  // first: a write in flight ends before the lines it points into are dropped
  out_.abort();
}

template <typename Stream>
void basic_connection<Stream>::when_written(std::function<void()> ready) {
  on_written_ = std::make_unique<std::function<void()>>(std::move(ready));
  if (writer_ == writer::idle) notify_if_written();  // otherwise the writer does, when done
}

// Posted, so the hub's callback runs between turns, never inside one of ours.
template <typename Stream>
void basic_connection<Stream>::notify_if_written() {
  if (!on_written_ || !out_.empty() || !socket().is_open()) return;
  auto ready = std::move(*on_written_);
  on_written_.reset();
  net::post(socket().get_executor(), std::move(ready));
}

template <typename Stream>
void basic_connection<Stream>::close_if_done() {
  if (out_.current() != outbox::state::closed) return;
  if constexpr (says_goodbye<Stream>) {
    if (closing_ || !socket().is_open()) return;
    closing_ = true;
    net::co_spawn(socket().get_executor(), say_goodbye(this->shared_from_this()),
                  log_and_contain{"a connection's goodbye"});
  } else if (discarding_) {
    std::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_send, ignored);  // the session reads on, to eof
  } else {
    close_socket();
  }
}

// Everything is written: the goodbye goes out (or its time runs out), then the socket closes.
template <typename Stream>
awaitable<void> basic_connection<Stream>::say_goodbye(
    std::shared_ptr<basic_connection> self) requires says_goodbye<Stream> {
  using namespace net::experimental::awaitable_operators;
  co_await (stream_ends<Stream>::goodbye(self->stream_) || sleep_for(self->close_timeout_));
  self->close_socket();
}

template <typename Stream>
void basic_connection<Stream>::close_socket() {
  std::error_code ignored;
  if (pause_ != nullptr) pause_->cancel();  // the session's pause ends now
  if (!socket().is_open()) return;
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);  // ends the session's pending read with operation_aborted
}

}  // namespace msgapp::server
