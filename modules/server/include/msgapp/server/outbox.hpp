// What one connection still has to send, and the rules for it, as plain state: no I/O at all.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include <msgapp/net.hpp>

#include "msgapp/server/line_sink.hpp"

namespace msgapp::server {

// The queue of lines a connection has not yet sent, its byte bound and its life cycle. The
// I/O shell (connection.hpp) asks it for the buffers of one gather write and tells it how
// many bytes the stream took; nothing here touches a socket or a clock, so every case is a
// plain unit test (tests/server/outbox_test.cpp).
//
//   open ──close_after_flush()──▶ closing ──the last byte is written──▶ closed
//     │  (nothing queued: straight to closed)                             ▲
//     └──────────────────── abort(), from open or closing ────────────────┘
//
// One `closed` state for both endings, because the shell does the same for both: it closes
// the socket, and lines pushed from then on (like lines pushed while closing) are dropped,
// not counted as an overflow. An overflow does not change the state: the hub decides.
class outbox {
 public:
  enum class state { open, closing, closed };
  enum class push_result {
    queued,
    dropped,  // the outbox is closing or closed: a late line, not an error
    full,     // it would pass the byte bound; nothing was queued (the client is not reading)
  };
  // Buffers one gather write takes at most (one writev per this many lines).
  static constexpr std::size_t max_gather = 64;
  // Room an empty outbox takes for its first line: a turn that queues a few lines (a storm's
  // presence, a busy relay) allocates once, not at 1, 2 and 4. Released once written.
  static constexpr std::size_t first_reserve = 8;
  using gather_buffers = std::array<net::const_buffer, max_gather>;

  explicit outbox(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  push_result push(shared_line line);
  // Queues `line` ahead of every line not yet begun, past the byte bound: shutdown's notice
  // must reach a client whose outbox is full. A line partly written is finished first, so the
  // stream stays whole lines, and so are the first `in_flight` lines (an asynchronous write
  // holds them). Only while open, like push().
  push_result push_front(shared_line line, std::size_t in_flight = 0);
  void close_after_flush();
  void abort();  // drops everything queued

  // The unsent bytes, oldest first, as at most `out.size()` buffers; returns how many it
  // filled. They point into the queued lines, which stay alive until written() consumes them,
  // so an asynchronous write may hold them while more lines are pushed.
  std::size_t gather(std::span<net::const_buffer> out) const;
  // The stream took the first `n` bytes of what gather() returned. Ignored once closed.
  void written(std::size_t n);

  state current() const { return state_; }
  bool empty() const { return head_ == lines_.size(); }
  std::size_t bytes() const { return bytes_; }  // unsent: max_bytes at most, plus push_front's
  std::size_t lines() const { return lines_.size() - head_; }

 private:
  void release();  // an empty outbox holds no memory

  std::vector<shared_line> lines_;
  std::size_t head_ = 0;           // lines_[0, head_) are written, erased in batches
  std::size_t front_written_ = 0;  // bytes of lines_[head_] already written
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
  state state_ = state::open;
};

}  // namespace msgapp::server
