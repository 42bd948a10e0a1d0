// Private: one hiredis async context driven by an Asio executor (the hiredis/Asio glue).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <hiredis/async.h>

#include <msgapp/net.hpp>

#include "msgapp/redis/endpoint.hpp"

namespace msgapp::redis::detail {

// What a link tells its owner. Replies come inline, from inside hiredis (which allows sending
// and even closing there); connected and lost are posted, so no owner code runs inside
// hiredis's connect or free paths (hiredis 0.14 frees the context right under its connect
// callback if that callback frees it).
class link_owner {
 public:
  virtual void on_link_reply(const redisReply& r) = 0;
  virtual void on_link_connected() = 0;
  virtual void on_link_lost(std::string why) = 0;

 protected:
  ~link_owner() = default;
};

// hiredis owns the socket; Asio only waits on it (a stream_descriptor released, not closed,
// when hiredis frees the context). The link is shared with its pending waits, so a wait that
// completes after the context is gone finds a live object that knows it is gone.
class link : public std::enable_shared_from_this<link> {
 public:
  // Starts connecting (a Unix socket often connects at once, TCP later): on_link_connected,
  // or on_link_lost if it fails. An error when hiredis could not even start.
  static tl::expected<std::shared_ptr<link>, std::string> open(net::any_io_executor ex,
                                                               const endpoint& where,
                                                               std::weak_ptr<link_owner> owner);
  ~link();
  link(const link&) = delete;
  link& operator=(const link&) = delete;

  // Queues a command (written on the next turn, so commands sent together go out together);
  // its reply reaches on_link_reply in order. False when the context is closing or gone.
  bool send(const std::vector<std::string>& args);
  // Frees the context now (or when hiredis returns from the reply callback that called this);
  // the owner hears nothing more, not even about replies still pending.
  void close();

 private:
  link(net::any_io_executor ex, redisAsyncContext* ac, std::weak_ptr<link_owner> owner);

  static void hook_add_read(void* self);
  static void hook_del_read(void* self);
  static void hook_add_write(void* self);
  static void hook_del_write(void* self);
  static void hook_cleanup(void* self);
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_reply(redisAsyncContext* ac, void* reply, void* self);

  void arm_read();
  void handle_read();
  void want_write();
  void wait_writable();
  void handle_write();
  bool connected() const;

  net::any_io_executor ex_;
  redisAsyncContext* ac_;  // null once hiredis has freed it
  net::posix::stream_descriptor socket_;
  std::weak_ptr<link_owner> owner_;
  bool closing_ = false;
  bool read_armed_ = false;    // a read wait, or a posted read, is outstanding
  bool write_wanted_ = false;  // hiredis has bytes to write (or waits for the connect)
  bool write_armed_ = false;   // a write wait, or a posted write, is outstanding
  bool in_write_ = false;      // inside redisAsyncHandleWrite
};

}  // namespace msgapp::redis::detail
