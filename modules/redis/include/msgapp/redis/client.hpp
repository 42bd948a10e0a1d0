// A Redis client on Asio: one pipelined connection for commands, redialled after every loss.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <msgapp/net.hpp>

#include "msgapp/redis/endpoint.hpp"
#include "msgapp/redis/options.hpp"
#include "msgapp/redis/reply.hpp"

namespace msgapp::redis {

namespace detail {
class client_state;
}

// One connection for commands, pipelined; replies in command order. Connects in start(),
// reconnects after any loss until the destructor. Single-threaded: use on its executor only,
// and destroy it before its io_context. A TCP host name is resolved by a blocking lookup in
// hiredis: give an address where that matters.
class client {
 public:
  client(net::any_io_executor ex, endpoint where, client_options opts = {});
  ~client();  // disconnects; callbacks not yet run are dropped, never called
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void start();
  // `done` runs exactly once, on the executor, never inline inside command() (posted when it
  // fails at once: not connected, too many pending, empty, or a pub/sub command such as
  // SUBSCRIBE, which is the subscriber's).
  void command(std::vector<std::string> args, std::function<void(result)> done);
  // The same, for coroutines. If the client goes first, the waiting coroutine is never
  // resumed: Asio destroys its frame (so it must not own the client itself).
  awaitable<result> async_command(std::vector<std::string> args);
  bool connected() const;
  // Runs on the executor after each connect (true) and each loss (false).
  void on_state(std::function<void(bool connected)> handler);

 private:
  std::shared_ptr<detail::client_state> state_;
};

}  // namespace msgapp::redis
