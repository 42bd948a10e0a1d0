// The hub's view of one connection: somewhere to put lines, and a way to end it.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace msgapp::server {

// One formatted line ("...\n"), shared by every recipient of a broadcast or presence notice.
using shared_line = std::shared_ptr<const std::string>;
inline shared_line make_line(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

class line_sink {
 public:
  virtual ~line_sink() = default;
  // Queues a line without waiting. False when the outbox is full: the client is not reading.
  virtual bool deliver(shared_line line) = 0;
  // Ends the connection once everything queued has been written.
  virtual void close_after_flush() = 0;
  // Ends the connection now; queued output is dropped.
  virtual void abort() = 0;
  // Shutdown's notice: queued ahead of everything not yet sent, whatever the bound, and from
  // now on the connection reads nothing more (what the client still sends is dropped). False
  // when the connection is already ending. A sink without a queue of its own just delivers.
  virtual bool say_last(shared_line notice) { return deliver(std::move(notice)); }
  // Calls `ready` once everything queued so far has been written (after the current turn,
  // never from inside this call). Used to send a long offline queue a page at a time. A
  // connection that ends first never calls it.
  virtual void when_written(std::function<void()> ready) = 0;
};

}  // namespace msgapp::server
