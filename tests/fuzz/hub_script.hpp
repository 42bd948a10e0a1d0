// The hub fuzzer's driver: one line of the input is one thing that happens to a hub_state.
//
//   +<address>   a connection arrives (from that IP address; 127.0.0.1 if it is not one)
//   <d><text>    the d-th live connection (a digit, modulo how many there are) sends a line
//   -<d>         its reader ends (the client left, or the hub closed it)
//   z<d>         its client stops reading, or starts again (its outbox then fills up)
//   ><ms>        time passes (1000 ms without a number)
//   s            the sweep timer fires
//   c<01...>     the store answers the oldest batches: 1 committed, 0 failed; all if none given
//   !            shutdown
//   r            the server restarts on what the store holds (a crash: unanswered batches go)
//
// Only hub_state's public interface is used. Every line a client is sent must be a valid
// server line; at the end, shutdown, the store and every reader ending must leave nothing.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <msgapp/server/hub_state.hpp>

#include "fake_store.hpp"

namespace msgapp::fuzz {

class client_sink;

class hub_script {
 public:
  hub_script();
  ~hub_script();
  void step(std::string_view line);
  void finish();

 private:
  struct client {
    server::conn_id id = 0;
    std::shared_ptr<client_sink> sink;
    bool logged_in = false;
    bool detached = false;
    std::size_t lines = 0;  // sent to the hub
  };

  void start();
  void attach(std::string_view address);
  client* live(char digit);
  void say(client& c, std::string_view text);
  void answer_store(std::string_view outcomes);
  void settle();
  void quiesce();

  server::config cfg_;
  server::credentials accounts_;
  server::moment now_;
  fake_store store_;
  std::deque<store::batch> pending_;  // handed over, not yet answered
  std::uint64_t last_ticket_ = 0;
  std::optional<server::hub_state> hub_;
  std::vector<client> clients_;
  server::conn_id next_id_ = 1;
};

}  // namespace msgapp::fuzz
