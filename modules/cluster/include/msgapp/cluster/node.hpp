// This server as one node of a cluster: its lease in Redis (renewed, or the node fences
// itself), the janitor's round when it holds the janitor's lease, the bus (one channel per
// node, one for everyone), and the login claim. It decides nothing about users: hub_state
// does, through the link this gives it; answers come back through node_handlers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <msgapp/net.hpp>
#include <msgapp/redis/client.hpp>
#include <msgapp/redis/subscriber.hpp>

#include "msgapp/cluster/events.hpp"

namespace msgapp::cluster {

struct node_options {
  std::string id;  // unique among live nodes
  redis::endpoint redis;
  std::chrono::milliseconds lease{5'000};  // a node silent this long is dead (its users freed)
  int login_attempts = 3;                  // wrong passwords in a row before a name is blocked
  std::chrono::milliseconds block_duration{60'000};
  std::size_t redis_pending = 65'536;  // Redis commands in flight; more fail at once
};

// Where the node's news goes: all run on the node's executor (the hub's), between requests.
struct node_handlers {
  std::function<void(const login_claim&, const claim_result&)> claimed;
  std::function<void(std::vector<event>)> remote;       // other nodes' events, in order
  std::function<void(std::vector<event>)> undelivered;  // for a node nobody heard
  std::function<void(const std::vector<std::pair<std::string, std::string>>& online_at,
                     const std::vector<std::pair<std::string, std::uint16_t>>& ports)>
      view;
  std::function<void()> fence;                                  // the lease is lost
  std::function<void(const std::vector<std::string>&)> reaped;  // the janitor freed them
};

class node {
 public:
  node(net::any_io_executor ex, node_options options, node_handlers handlers);
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  // The link hub_state uses; valid while this node lives.
  link make_link();
  // Joins (as soon as Redis answers), then renews the lease and does the janitor's round
  // every lease/4, until stop(); then waits until what was queued has gone out.
  awaitable<void> run();
  // Leaves the cluster (its users were freed by their logouts) and ends run().
  void stop();
  bool ready() const;
  // Returns once the node is ready (joined, and hearing the bus), or after `most`.
  awaitable<void> wait_until_ready(std::chrono::milliseconds most);

 private:
  void claim(login_claim c);
  void release(std::string user);
  void poke(std::string user, std::function<void()> done);
  void queue(std::string channel, event e);
  void flush();
  void reload_view();
  awaitable<void> tick();
  awaitable<void> try_join();
  awaitable<void> renew();
  awaitable<void> janitor_round();
  void lose_lease(std::string_view why);
  void got_messages(std::string_view payload);  // from either channel: events, in order
  void wake_waiters();                          // ready now: wait_until_ready() returns

  net::any_io_executor ex_;
  node_options options_;
  node_handlers handlers_;
  std::string node_channel_;  // to-node:<id>
  // Pointers, so stop() can end them (their pending reads and timers would keep the
  // io_context running) while the node itself lives on until the hub goes.
  std::unique_ptr<redis::client> commands_;
  std::unique_ptr<redis::subscriber> bus_;
  net::steady_timer wake_;   // between ticks; cancelled by stop() and on connecting
  net::steady_timer ready_;  // wait_until_ready()'s; cancelled once ready
  std::string token_;        // this life's lease token
  bool joined_ = false;
  bool subscribed_ = false;
  // The connection to Redis was lost since the last renewal: not ready until a renewal on the
  // new one holds (a restarted Redis has forgotten the lease, and the node must fence first).
  bool unsure_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point renewed_{};  // when the last renewal that held was sent
  // Events waiting for the end of this pass of the event loop, per channel, in order.
  std::map<std::string, std::vector<event>> outgoing_;
  bool flush_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for posted work
};

// The channel everyone hears, and the one of a node.
inline constexpr std::string_view everyone_channel = "everyone";
std::string node_channel(std::string_view id);

}  // namespace msgapp::cluster
