// Under client: the one reader and the one writer of a connection, the FIFO of awaited
// replies, and the bounded queue of events. Private to modules/client.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include <msgapp/tls/stream.hpp>

#include "msgapp/client/client.hpp"

namespace msgapp::client {

// Shared by the client and its two coroutines, so it lives until both have ended, even when
// the client is gone. Everything runs on the executor's one thread.
class multiplexer {
 public:
  // A reply slot: request() awaits it; the reader fills it once (a reply, or the end).
  using reply_slot = channel<server_line>;

  // `context` is the TLS context of `stream` (null when plain), kept as long as the stream.
  multiplexer(tls::stream stream, tls::context_ptr context);

  // One line straight from the socket (without its line end), e.g. the greeting.
  awaitable<result<std::string>> read_raw_line();
  // Starts the reader and the writer.
  static void start(const std::shared_ptr<multiplexer>& self);

  // Queues `line` (ending in '\n') and the slot its reply will fill (nullptr: dropped).
  result<std::shared_ptr<reply_slot>> claim(std::string line, bool awaited);
  // Queues bytes that claim no reply; `half_close` shuts down sending once they are written.
  std::error_code queue_raw(std::string bytes, bool half_close = false);
  awaitable<result<event_line>> next_event();
  // The connection is over (idempotent): awaited replies fail with `why`, the socket closes,
  // and next_event() gives `why` once the events before it are taken.
  void end(std::error_code why);

  std::size_t kept_events() const { return kept_; }
  std::size_t awaited_replies() const { return awaited_.size(); }
  result<tcp::endpoint> local_endpoint() const;
  bool is_tls() const { return stream_.is_tls(); }

 private:
  struct unsent {
    std::string bytes;
    bool half_close = false;
  };
  static awaitable<void> read_lines(std::shared_ptr<multiplexer> self);
  static awaitable<void> write_lines(std::shared_ptr<multiplexer> self);
  void take(std::string_view raw);
  bool gather(std::string_view raw);  // true: a continuation of the awaited reply, taken

  tls::context_ptr context_;  // before stream_: it must outlive it
  tls::stream stream_;
  std::string buffer_;                               // received bytes not yet a whole line
  std::deque<std::shared_ptr<reply_slot>> awaited_;  // oldest first, as the replies will come
  std::string gathered_;       // " name name ...": continuation lines of the oldest awaited reply
  std::deque<unsent> unsent_;  // for the writer, oldest first
  net::steady_timer writer_idle_;  // cancelled to wake the writer
  channel<event_line> events_;     // bounded: max_kept_events
  std::size_t kept_ = 0;           // events in events_ not yet taken
  bool ended_ = false;
  std::error_code end_error_;
};

}  // namespace msgapp::client
