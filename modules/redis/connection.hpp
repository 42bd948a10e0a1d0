// Private: one logical Redis connection that dials, times the dial out and redials after every
// loss until closed. What rides on it (commands, subscriptions) is the subclass's business.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <msgapp/net.hpp>

#include "hiredis_link.hpp"
#include "msgapp/redis/endpoint.hpp"
#include "msgapp/redis/options.hpp"

namespace msgapp::redis::detail {

// Shared with its own pending timer waits and links (they hold weak references), so the public
// object can go at any time: close() first, and nothing is called back after that.
class connection : public link_owner, public std::enable_shared_from_this<connection> {
 public:
  connection(net::any_io_executor ex, endpoint where, client_options opts);
  virtual ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  void start();
  void close();  // for good: the link goes, and no callback runs after this
  bool up() const { return up_; }

 protected:
  virtual void on_up() = 0;
  // The connection went (hiredis's reason, a time-out, ...); it redials by itself afterwards.
  virtual void on_down(const std::string& why) = 0;

  bool send(const std::vector<std::string>& args);
  // Counts the connection lost now (e.g. a reply never came): on_down(why), then a redial.
  void drop(std::string why);
  bool closed() const { return closed_; }
  template <typename T>
  std::weak_ptr<T> weak_self(T* self) {
    return std::weak_ptr<T>(std::static_pointer_cast<T>(self->shared_from_this()));
  }

  net::any_io_executor ex_;
  endpoint where_;
  client_options opts_;

 private:
  void dial();
  void redial_later();
  void went_down(std::string why);
  void on_link_connected() final;
  void on_link_lost(std::string why) final;

  std::shared_ptr<link> link_;
  net::steady_timer timer_;  // the dial's deadline, or the delay before the next dial
  unsigned attempt_ = 0;     // a timer wait that finds another attempt running is stale
  bool started_ = false;
  bool up_ = false;
  bool closed_ = false;
  bool dial_failing_ = false;  // logged once until a dial works
};

}  // namespace msgapp::redis::detail
