// What nodes of a cluster tell each other over Redis, and what the hub asks of Redis, as plain
// values: no Redis, no Asio. hub_state (which decides) and the node (which carries them) share
// them, so hub_state stays synchronous and unit-tested with a fake link.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace msgapp::cluster {

using wall_ms = std::int64_t;  // milliseconds since the Unix epoch (UTC)

// ---- between nodes (one Redis channel per node for those addressed to a user's node, one
// shared channel for those everyone needs) ----
struct direct_message {  // to the node the recipient is online on
  std::string from, to;
  wall_ms sent_at = 0;
  std::string text;
  bool operator==(const direct_message&) const = default;
};
struct presence {  // to everyone: `user` logged in on (or out of) `node`
  std::string user, node;
  bool online = false;
  wall_ms at = 0;
  std::uint16_t private_port = 0;  // logged in: where its client takes private sessions (0: no)
  bool operator==(const presence&) const = default;
};
struct broadcast {  // to everyone
  std::string from, node;
  wall_ms sent_at = 0;
  std::string text;
  bool operator==(const broadcast&) const = default;
};
struct block_change {  // to everyone: `user` blocked (or unblocked) `other`
  std::string user, other;
  bool blocked = false;
  bool operator==(const block_change&) const = default;
};
struct private_port {  // to everyone: a logged-in user's client changed its private port
  std::string user;
  std::uint16_t port = 0;
  bool operator==(const private_port&) const = default;
};
struct private_offer {  // to the invitee's node: `from` asks `to` for a private session
  std::string from, to, token;
  bool operator==(const private_offer&) const = default;
};
struct private_ready {  // to the asker's node: `from` accepted; connect to address:port
  std::string from, to, address;
  std::uint16_t port = 0;
  std::string token;
  bool operator==(const private_ready&) const = default;
};
struct queued {  // to the node `user` is online on: messages for them were stored since login
  std::string user;
  bool operator==(const queued&) const = default;
};
using event = std::variant<direct_message, presence, broadcast, block_change, private_port,
                           private_offer, private_ready, queued>;

// ---- the login step, atomic in Redis ----
struct login_claim {
  std::uint64_t conn = 0;  // the asking connection (the answer is for it)
  std::string user;
  bool password_ok = false;  // false: counts as a wrong password, cluster-wide
};
struct claim_result {
  enum class kind {
    claimed,      // the user is now online here
    online,       // already online (here or on another node): `already-online`
    wrong,        // a wrong password; `attempts_left` more before the name is blocked
    blocked_now,  // this wrong password blocked the name for the block duration
    blocked,      // the name is still blocked, for `blocked_ms`
    unavailable,  // Redis could not be asked (the reason is in `why`)
  };
  kind outcome = kind::unavailable;
  int attempts_left = 0;
  std::int64_t blocked_ms = 0;
  std::string why;
};

// What hub_state needs of the cluster. Every call returns at once; answers come back through
// hub_state's cluster functions, on the hub's thread.
struct link {
  std::string node;  // this node's id
  // True while the node holds its lease and hears the bus: else logins and commands that
  // need other nodes are refused (cluster-unavailable).
  std::function<bool()> ready;
  std::function<void(login_claim)> claim;         // answer: hub_state::claimed
  std::function<void(std::string user)> release;  // logged out here: the name is free
  // Messages for `user` were stored: tell the node they are online on (if any), which reads
  // them. Asked after the commit, and a login claims before it reads, so none is missed.
  // `done` runs once the news is queued for that node (or there was nobody to tell): what
  // is sent to the user after that cannot overtake it.
  std::function<void(std::string user, std::function<void()> done)> poke;
  std::function<void(const std::string& node, event)> to_node;
  std::function<void(event)> to_all;
};

}  // namespace msgapp::cluster
