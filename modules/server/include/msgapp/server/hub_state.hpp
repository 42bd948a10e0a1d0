// All shared state of the server and every decision over it, as plain synchronous functions.
// The hub coroutine (hub.hpp) owns one hub_state and feeds it requests one at a time; tests
// drive it directly with fake line sinks, a fake clock and a store they apply by hand.
//
// Durable state goes to the store (modules/store) as batches; the hub never waits for them.
// A reply that depends on a write is held until its batch has committed, and every line to a
// connection leaves in the order the hub decided it, so replies stay in command order.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <tl/expected.hpp>

#include "msgapp/cluster/events.hpp"
#include "msgapp/protocol/command.hpp"
#include "msgapp/protocol/error.hpp"
#include "msgapp/protocol/event.hpp"
#include "msgapp/protocol/reply.hpp"
#include "msgapp/server/config.hpp"
#include "msgapp/server/credentials.hpp"
#include "msgapp/server/line_sink.hpp"
#include "msgapp/server/login_throttle.hpp"
#include "msgapp/server/per_address.hpp"
#include "msgapp/store/batch.hpp"

namespace msgapp::server {

using conn_id = std::uint64_t;
using parsed_command = tl::expected<protocol::command, protocol::error>;

// "Now" in both clocks: steady for deadlines, system for the times shown to users.
struct moment {
  std::chrono::steady_clock::time_point mono;
  std::chrono::system_clock::time_point wall;
  static moment now() {
    return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()};
  }
};

// Makes the one-time tokens of private sessions. Injected, so tests can predict them.
using token_source = std::function<std::string()>;
// Tokens of `bits` random bits from the OS's random source, as hex digits.
token_source random_tokens(std::size_t bits);

// What hub_state needs of its store: what it held at start, and where batches go. The hub
// hands the outcomes back through committed().
struct store_link {
  store::snapshot loaded;
  std::function<void(store::batch)> submit;  // never waits for the disk
};

// A login's answer: the user name once logged in, or nothing (the reply says why).
using login_done = std::function<void(std::optional<std::string>)>;

class hub_state {
 public:
  hub_state(config cfg, const credentials& accounts, token_source tokens, store_link store,
            moment now);
  // Cluster mode (hub_cluster.cpp): from now on logins are claimed through `link`, and users
  // on other nodes are reached through it. Before any connection attaches.
  void join_cluster(cluster::link link);

  // A new connection. False (and the client told why) when the server is full or stopping,
  // or its address has as many connections as it may (config::connections_per_address).
  // `address` is the client's IP address as seen here, handed to the asker of a private
  // session with this client.
  bool attach(conn_id id, std::shared_ptr<line_sink> out, std::string address, moment now);
  // When a login attempt from this connection may be tried: at once, unless its address has
  // failed too often (login_throttle). Asked before the password is checked, so a throttled
  // attempt costs no hashing, and one from a connection that closes meanwhile is never made.
  // Nothing (and `login-busy` sent) when the address already has as many attempts waiting
  // as login_delay_max holds: that attempt is not made.
  std::optional<std::chrono::steady_clock::time_point> admit_login(conn_id id, moment now);
  // A line from a connection that has not logged in. Returns the user name once logged in.
  // For an account with a hashed password, `hashed` is what the password pool found (the
  // hub never hashes); it decides nothing else, so blocks and `already-online` hold as for
  // plain passwords.
  std::optional<std::string> login(conn_id id, const parsed_command& cmd, moment now,
                                   hash_check hashed = hash_check::not_done);
  // The same, answering through `done`: at once, or in cluster mode once the claim is
  // answered (claimed()). Called exactly once either way.
  void login(conn_id id, const parsed_command& cmd, moment now, hash_check hashed, login_done done);
  // A line from a logged-in connection. Every outcome is one reply on its outbox. Returns
  // what it cost the sender's command_budget: 1, and for a broadcast 1 more per
  // broadcast_recipients_per_token users it reached (it costs every one of them).
  std::size_t command(conn_id id, parsed_command cmd, moment now);
  // The session was held back by its command rate for flood_cutoff: tell it why and close
  // it, announcing the logout as usual.
  void cut_off_flooding(conn_id id, moment now);
  // The connection's reader ended (client gone, or closed by us). Idempotent.
  void detach(conn_id id, std::string_view reason, moment now);
  // Idle warnings, time-outs, and the end of shutdown's grace period.
  void sweep(moment now);
  // Tells everyone the server is stopping and starts closing every connection.
  void shut_down(moment now);
  // The store's answers, in ticket order: held replies go out, offline pages are delivered.
  void committed(std::vector<store::outcome> outcomes, moment now);

  // ---- cluster mode (hub_cluster.cpp); each runs on the hub's thread between requests ----
  // Redis's answer to a login's claim.
  void claimed(const cluster::login_claim& claim, const cluster::claim_result& result, moment now);
  // Events from other nodes, in the order they were published.
  void remote(std::vector<cluster::event> events, moment now);
  // Events for a node nobody heard (it is gone): direct messages take the offline path.
  void undelivered(std::vector<cluster::event> events, moment now);
  // Who is online on which other node, read afresh (after the bus was lost and regained).
  void view(const std::vector<std::pair<std::string, std::string>>& online_at,
            const std::vector<std::pair<std::string, std::uint16_t>>& ports);
  // This node lost its lease: every logged-in user here is logged out (the janitor may have
  // freed their names already), told why.
  void fence(moment now);
  // The janitor freed a dead node's users: their logouts are recorded (last seen).
  void reaped(const std::vector<std::string>& users, moment now);

  bool stopping() const { return stopping_; }
  bool finished() const { return stopping_ && connections_.empty(); }

 private:
  struct private_offer {  // made by an asker, waiting for the invitee's privateaccept
    std::string to;       // the invitee
    std::string token;
    std::chrono::steady_clock::time_point expires;
  };
  struct account {
    secret password;
    // Vectors, not deques: libstdc++'s deque allocates about 600 bytes even when empty.
    std::vector<private_offer> offers;           // made by this user, oldest first, bounded
    std::set<std::string, std::less<>> blocked;  // users this one has blocked
    // Offline messages live in the store; the hub keeps only their counts, for the quotas.
    std::size_t queued = 0;       // messages waiting for this user
    std::size_t sent_queued = 0;  // messages from this user waiting for others
    int failed_logins = 0;
    std::chrono::steady_clock::time_point blocked_until{};
    std::optional<conn_id> online;
    // Cluster mode: the node this user is online on, when it is another one (empty: not
    // there), and where their client takes private sessions.
    std::string remote_node;
    std::uint16_t remote_port = 0;
    // Messages for this user being stored by this node, not yet committed: while any are,
    // later ones are stored too (not sent to their node), so they cannot overtake them.
    std::size_t storing = 0;
    std::size_t poking = 0;  // and those whose node is being looked up (link::poke)
    std::optional<std::chrono::system_clock::time_point> last_seen;  // when last logged out
    shared_line delivered_reply;  // "ok delivered to <this user>", made once, shared by senders
  };
  // A line waiting behind a commit (or behind another line that is). ticket 0: it waits only
  // for the lines before it.
  struct held_line {
    std::uint64_t ticket = 0;
    shared_line committed;  // sent when the batch commits
    shared_line failed;     // sent instead when it does not
  };
  struct conn_state {  // the hub's record of one connection
    conn_id id;
    std::shared_ptr<line_sink> out;
    std::string user;  // empty until logged in
    std::chrono::steady_clock::time_point last_active;
    std::string address;  // where the asker of a private session connects
    std::chrono::steady_clock::time_point attached{};  // for config::login_deadline
    std::uint16_t private_port = 0;                    // 0: this client takes no private sessions
    bool closing = false;  // told to close; its lines are ignored until it detaches
    // Lines that wait for a commit, oldest first; while any wait, every line queues here.
    std::vector<held_line> held{};
    std::size_t held_bytes = 0;
    bool close_when_released = false;  // close once the held lines have gone out
    bool detached = false;             // the reader ended; kept only until held lines go
    // Offline messages: sent as `stored` with ids (receipts) or as `offline`.
    bool receipts = false;
    store::message_id delivered_up_to = 0;  // the newest id sent to this session
    bool idle_warned = false;  // warned since last_active: the warning goes once per idle period
  };

  // One overload per command, so command() dispatches in one line. hub_commands.cpp:
  void on(conn_state& c, const protocol::login_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::message_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::broadcast_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::whoelse_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::whoelsesince_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::block_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::unblock_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::blocks_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::logout_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::active_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::receipts_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::confirm_cmd& cmd, moment now);
  // hub_private.cpp: brokering private sessions.
  void on(conn_state& c, const protocol::privateport_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::startprivate_cmd& cmd, moment now);
  void on(conn_state& c, const protocol::privateaccept_cmd& cmd, moment now);

  // Output. A failed delivery marks the connection for cutting off (done by finish_turn).
  bool send(conn_state& c, shared_line line);
  void reply_ok(conn_state& c, const protocol::ok_reply& reply);
  void reply_error(conn_state& c, protocol::errc code, std::string text);
  void reply_users(conn_state& c, std::vector<std::string> names);  // whoelse(since), blocks
  void warn_idle(moment now);  // sweep(): the time-out of these users is near
  // hub_storage.cpp: the store as the hub's memory.
  // A reply that goes out once the batch being built has committed, or `failed` if it fails.
  void reply_when_committed(conn_state& c, shared_line ok, shared_line failed);
  void reply_when_committed(conn_state& c, const protocol::ok_reply& reply);  // or not-saved
  // What to do with an operation's outcome, beside releasing the held replies.
  struct uncount_enqueue {  // failed: the message was not queued after all
    std::string to, from;
    std::size_t bytes = 0;
  };
  struct undo_block {  // failed: the block list goes back
    std::string user, other;
    bool blocked = false;
  };
  struct page_for {  // a page of offline messages for this connection
    conn_id id = 0;
  };
  struct uncount_deleted {  // committed: the recipient's messages (and quotas) shrink
    std::string recipient;
  };
  struct undo_login {  // cluster mode, failed: the database is out of reach, so is the login
    conn_id id = 0;
  };
  using op_effect = std::variant<std::monostate, uncount_enqueue, undo_block, page_for,
                                 uncount_deleted, undo_login>;
  struct in_flight {  // a batch handed to the store
    std::uint64_t ticket = 0;
    std::vector<op_effect> effects;  // one per operation
    std::vector<conn_id> waiting;    // connections with lines held for it
  };
  // An operation for the batch being built, with what to do when its outcome comes.
  void write(store::operation op, op_effect effect = {});
  bool store_busy() const;  // too much is waiting for the store: refuse durable commands
  void flush_batch();       // hands the batch being built to the store (end of every entry)
  void apply_outcome(store::outcome& outcome, moment now);
  void release_held(conn_state& c);
  void request_page(conn_state& c);
  void deliver_page(conn_id id, const store::page& page, std::uint64_t ticket);
  void forget_queued(std::string_view recipient, const store::deleted& gone);
  void load(const store::snapshot& loaded, moment now);
  store::wall_ms wall(moment now) const;
  // A login's outcomes, whoever decided it (this hub, or Redis in cluster mode).
  void accept_login(conn_state& c, account& acc, moment now);  // welcome, queue, presence
  void refuse_wrong_password(conn_state& c, std::string_view user, int left, moment now);
  void refuse_blocked(conn_state& c, std::string_view user,
                      std::chrono::steady_clock::duration left, moment now);
  void block_name(conn_state& c, std::string_view user, moment now);  // durable, then closed
  // hub_cluster.cpp
  bool claim_login(conn_state& c, account& acc, const protocol::login_cmd& attempt,
                   hash_check hashed, moment now, login_done& done);
  void on_remote(const cluster::direct_message& e, moment now);
  void on_remote(const cluster::presence& e, moment now);
  void on_remote(const cluster::broadcast& e, moment now);
  void on_remote(const cluster::block_change& e, moment now);
  void on_remote(const cluster::private_port& e, moment now);
  void on_remote(const cluster::private_offer& e, moment now);
  void on_remote(const cluster::private_ready& e, moment now);
  void on_remote(const cluster::queued& e, moment now);
  // An offline message that came from (or could not reach) another node: queued within the
  // quotas, with nobody to reply to.
  void queue_from_cluster(const cluster::direct_message& m);
  bool cluster_ready() const { return cluster_ && cluster_->ready(); }
  void reply_cluster_unavailable(conn_state& c, std::string_view what);
  void end_session(conn_state& c, std::string_view reason, moment now);
  std::string forget_login(conn_state& c, moment now);  // returns who it was
  void close_gracefully(conn_state& c);                 // after its queued output
  // The account `name` names, for a command that `action`s another user; nullptr (and the
  // reply sent) when it is the asker or nobody.
  account* other_user(conn_state& c, std::string_view name, std::string_view action);
  void reply_unknown_user(conn_state& c, std::string_view name);
  void announce(const std::string& user, protocol::presence_change change, moment now);
  void finish_turn(moment now);

  const std::string& time_text(moment now);  // format_time, computed once per second
  account* find_account(std::string_view name);
  conn_state* find_connection(conn_id id);

  config cfg_;
  token_source new_token_;
  std::function<void(store::batch)> submit_;
  std::string database_id_;
  in_flight building_{1, {}, {}};  // this turn's batch, not yet handed over
  std::vector<store::operation> building_ops_;
  std::deque<in_flight> in_flight_;     // handed over, oldest first, answered in this order
  std::size_t ops_in_flight_ = 0;       // bounded by cfg_.store_backlog
  std::size_t total_queued_bytes_ = 0;  // text of every offline message, for cfg_.store_bytes
  std::chrono::steady_clock::time_point next_prune_{};  // login history retention
  // Transparent hashing: names arrive as string_views and are looked up without a copy.
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, account, name_hash, std::equal_to<>> accounts_;
  std::unordered_map<conn_id, conn_state> connections_;
  std::vector<conn_id> too_slow_;  // outboxes that overflowed this turn
  std::size_t reached_ = 0;        // users the current command delivered to (its cost)
  connection_counts per_address_;
  login_throttle throttle_;
  std::chrono::system_clock::time_point cached_second_{};
  std::string cached_time_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_deadline_{};
  std::optional<cluster::link> cluster_;              // cluster mode only
  std::unordered_map<conn_id, login_done> claiming_;  // logins waiting for their claim
};

}  // namespace msgapp::server
