// A Redis pub/sub connection: its channels are (re)subscribed after every (re)connect.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <msgapp/net.hpp>

#include "msgapp/redis/endpoint.hpp"
#include "msgapp/redis/options.hpp"

namespace msgapp::redis {

namespace detail {
class subscriber_state;
}

// Messages are lost while the connection is down (pub/sub keeps nothing): on_state(false)
// says when that starts, on_state(true) when every channel is heard again.
class subscriber {
 public:
  subscriber(net::any_io_executor ex, endpoint where, client_options opts = {});
  ~subscriber();  // disconnects; no handler runs after this
  subscriber(const subscriber&) = delete;
  subscriber& operator=(const subscriber&) = delete;

  void start();
  void subscribe(std::vector<std::string> channels);  // before or after start
  // The views are valid only during the call.
  void on_message(std::function<void(std::string_view channel, std::string_view payload)> h);
  // true once every channel is confirmed subscribed after a (re)connect (and again after
  // subscribe() adds channels); false on a loss.
  void on_state(std::function<void(bool subscribed)> handler);

 private:
  std::shared_ptr<detail::subscriber_state> state_;
};

}  // namespace msgapp::redis
