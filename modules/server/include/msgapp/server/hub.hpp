// The hub: one coroutine that owns hub_state and takes requests from a channel, one at a time.
// Sessions never touch shared state; they send requests here and read replies from their own
// outbox. The hub never waits for a session.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <msgapp/cluster/node.hpp>
#include <msgapp/net.hpp>

#include "msgapp/server/hub_state.hpp"
#include "msgapp/server/password_check.hpp"
#include "msgapp/server/storage.hpp"
#include "msgapp/store/store_thread.hpp"

namespace msgapp::server {

struct attach_request {
  conn_id id;
  std::shared_ptr<line_sink> out;
  std::string address;
};
struct admit_request {  // when may this connection's login attempt be tried
  conn_id id;
  // Lives in the asking session's frame. Nothing: the attempt is refused (login-busy).
  channel<std::optional<std::chrono::steady_clock::time_point>>* reply;
};
struct login_request {
  conn_id id;
  parsed_command cmd;
  hash_check hashed;  // what the password pool found, for an account with a hashed password
  channel<std::optional<std::string>>* reply;  // lives in the asking session's frame
};
// What the hub did with a batch of commands: what they cost, and those it left for later
// because the session's tokens ran out (sent again, first, once they return).
struct batch_result {
  std::size_t cost = 0;
  std::vector<parsed_command> left;
};
struct command_request {  // every complete line the session had, in order
  conn_id id;
  std::vector<parsed_command> cmds;
  std::size_t allowance;         // tokens the session has: the hub stops once they are spent
  channel<batch_result>* reply;  // lives in the asking session's frame
};
struct flood_request {  // the session was held back for flood_cutoff: cut it off
  conn_id id;
};
struct detach_request {
  conn_id id;
  std::string reason;
};

// What sessions ask. The sweep, shutdown and the store's answers do not queue here: they run
// on the hub's own thread and call hub_state directly, so a full inbox cannot delay them.
using hub_request = std::variant<attach_request, admit_request, login_request, command_request,
                                 detach_request, flood_request>;

class hub {
 public:
  hub(net::any_io_executor ex, const config& cfg, const credentials& accounts, storage store);

  // Serves requests until shutdown has closed every connection.
  awaitable<void> run();
  // Starts a graceful shutdown at once, however full the inbox; call it on the io thread.
  void shut_down();
  // Cluster mode: returns once this node can log users in (or after `most`); at once otherwise.
  awaitable<void> wait_for_cluster(milliseconds most);
  // Batches applied and commits made so far (benchmarks, tests).
  store::store_stats store_stats() const { return store_.stats(); }

  // ---- what sessions call; each suspends only while the inbox is full ----
  // False when the hub has already finished (the session should just end).
  awaitable<bool> attach(conn_id id, std::shared_ptr<line_sink> out, std::string address);
  // When this connection's next login attempt may be tried (hub_state::admit_login).
  awaitable<std::optional<std::chrono::steady_clock::time_point>> admit_login(conn_id id);
  // For a login of an account with a hashed password: checks it on the password pool (the
  // hub goes on meanwhile) or finds the pool full. not_done for anything else, at once.
  awaitable<hash_check> check_password(const parsed_command& cmd);
  // The logged-in user name, or nothing (the hub has replied with the reason). `hashed` is
  // what check_password found.
  awaitable<std::optional<std::string>> login(conn_id id, parsed_command cmd, hash_check hashed);
  // Several commands in one request: a client that pipelines costs one hop per read, not per
  // line. The hub takes them in order while the cost so far is below `allowance`.
  awaitable<batch_result> commands(conn_id id, std::vector<parsed_command> cmds,
                                   std::size_t allowance);
  // Cuts off a session that has flooded (the hub says why and announces the logout).
  awaitable<void> flooding(conn_id id);
  awaitable<void> detach(conn_id id, std::string reason);

 private:
  awaitable<bool> post(hub_request request);
  awaitable<void> serve();
  awaitable<void> sweep_periodically();
  void committed(std::vector<store::outcome> outcomes);
  // Cluster mode: the node's news, applied like the store's answers (direct, between requests).
  cluster::node_handlers node_handlers();
  void after_direct_call();
  // Shutdown is complete, and no request is left to answer (a buffered attach must still be
  // refused, or its session would wait for ever).
  bool done() const { return state_.finished() && !inbox_.ready(); }
  std::size_t take_waiting(std::size_t most, std::chrono::steady_clock::time_point until);
  void handle(hub_request& request);
  void handle(attach_request& r, moment now);
  void handle(admit_request& r, moment now);
  void handle(login_request& r, moment now);
  void handle(command_request& r, moment now);
  void handle(detach_request& r, moment now);
  void handle(flood_request& r, moment now);

  channel<hub_request> inbox_;
  // name -> hash of the accounts with hashed passwords. Fixed at start: sessions read it
  // without asking the hub.
  std::unordered_map<std::string, std::string> hashes_;
  password_check checks_;
  hub_state state_;
  // After state_: destroyed first, so its thread is joined before the state it answers goes.
  store::store_thread store_;
  // Cluster mode only; after state_, so it goes first (its handlers call state_).
  std::unique_ptr<cluster::node> node_;
  milliseconds sweep_every_;
  std::size_t turn_requests_;  // config::hub_turn_requests
  milliseconds turn_time_;     // config::hub_turn_time
};

}  // namespace msgapp::server
