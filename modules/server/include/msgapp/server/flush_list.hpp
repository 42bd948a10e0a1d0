// The connections with output to write after the hub's current turn, flushed by one handler.
#pragma once

#include <memory>
#include <vector>

#include <msgapp/net.hpp>

namespace msgapp::server {

// Kept per io_context (an Asio service, so a destroyed io_context takes its list along). The
// first connection scheduled in a turn posts one handler that flushes them all: a broadcast
// to 200 users costs one post, not 200.
class flush_list final : public net::execution_context::service {
 public:
  using key_type = flush_list;
  static inline net::execution_context::id id;
  explicit flush_list(net::execution_context& ctx) : service(ctx) {}

  // Calls conn->flush() once the current handler (the hub's turn) has returned; conn is kept
  // alive until then. Any connection type works, so a TLS connection shares the same list.
  template <typename Connection>
  static void schedule(const net::any_io_executor& ex, std::shared_ptr<Connection> conn) {
    add(ex, entry{std::move(conn), [](void* c) { static_cast<Connection*>(c)->flush(); }});
  }

  // The hub's turn, which may span a yield: connections scheduled between hold() and
  // release() are flushed only after release(), together (see hub::serve for the bound).
  static void hold(const net::any_io_executor& ex);
  static void release(const net::any_io_executor& ex);
  // Whether a connection waits to be flushed.
  static bool waiting(const net::any_io_executor& ex);

 private:
  struct entry {
    std::shared_ptr<void> owner;
    void (*flush)(void*);  // a function pointer: connections need no second virtual base
  };
  static void add(const net::any_io_executor& ex, entry e);
  static flush_list& of(const net::any_io_executor& ex);
  void post_flush(const net::any_io_executor& ex);
  void shutdown() override {
    pending_.clear();
    spare_.clear();
  }

  std::vector<entry> pending_;  // one entry per connection with output this turn
  std::vector<entry> spare_;    // the last turn's, emptied, kept for its capacity
  bool posted_ = false;         // a flush handler is queued
  bool held_ = false;           // between hold() and release()
};

}  // namespace msgapp::server
