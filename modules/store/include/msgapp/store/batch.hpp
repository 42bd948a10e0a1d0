// What the hub asks of its memory: batches of changes and reads in, their results out.
// Plain values, no I/O and no SQL: every backend (SQLite here, PostgreSQL for a cluster)
// takes the same batches, so the hub never knows which one it has.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <tl/expected.hpp>

namespace msgapp::store {

// Assigned by the store when a message is queued: increasing, never reused, even after a
// delete, so a client that remembers the highest id it has shown can recognise a re-send.
using message_id = std::int64_t;
// Wall-clock time as milliseconds since the Unix epoch (UTC): the only time a database keeps.
using wall_ms = std::int64_t;

struct stored_message {
  message_id id = 0;
  std::string from;
  wall_ms sent_at = 0;
  std::string text;
  bool operator==(const stored_message&) const = default;
};

// ---- changes ----
struct enqueue_message {  // a direct message for a user who is offline
  std::string to;
  std::string from;
  wall_ms sent_at = 0;
  std::string text;
};
struct delete_messages {  // every message for `recipient` with an id up to `up_to`
  std::string recipient;
  message_id up_to = 0;
};
struct set_blocked {  // `user` blocks (or unblocks) `other`
  std::string user;
  std::string other;
  bool blocked = true;
};
struct set_login_block {  // too many wrong passwords: `user` may not log in before `until`
  std::string user;
  wall_ms until = 0;  // 0: lifted
};
struct record_login {  // login history, for whoelsesince
  std::string user;
  wall_ms at = 0;
};
struct record_logout {
  std::string user;
  wall_ms at = 0;
};
struct forget_logins_before {  // retention: login history older than this goes
  wall_ms before = 0;
};
// ---- reads (they see every change before them, also in the same batch) ----
struct read_messages {  // the oldest messages for `recipient` after id `after`
  std::string recipient;
  message_id after = 0;
  std::size_t max_messages = 0;
  std::size_t max_bytes = 0;  // of text; at least one message is returned if there is one
};

using operation = std::variant<enqueue_message, delete_messages, set_blocked, set_login_block,
                               record_login, record_logout, forget_logins_before, read_messages>;

// ---- results, one per operation, in order ----
struct no_result {
  bool operator==(const no_result&) const = default;
};
struct page {                            // for read_messages
  std::vector<stored_message> messages;  // oldest first
  bool more = false;                     // there are messages after these
  bool operator==(const page&) const = default;
};
struct sender_total {
  std::string sender;
  std::size_t messages = 0;
  std::size_t bytes = 0;  // of text
  bool operator==(const sender_total&) const = default;
};
struct deleted {  // for delete_messages: what went, per sender (the hub's quotas shrink by it)
  std::vector<sender_total> by_sender;
  bool operator==(const deleted&) const = default;
};
using op_result = std::variant<no_result, page, deleted>;

// One hub turn's worth of work. The ticket orders batches: the store applies and answers them
// in ticket order.
struct batch {
  std::uint64_t ticket = 0;
  std::vector<operation> ops;
};
// Committed (with one result per op), or not at all (with the reason, for the log).
struct outcome {
  std::uint64_t ticket = 0;
  tl::expected<std::vector<op_result>, std::string> results;
};

// ---- what the hub keeps in memory, read once at start: bounded by the number of accounts
// (and their block lists), never by the number of queued messages ----
struct queue_total {
  std::string recipient;
  std::size_t messages = 0;
  std::size_t bytes = 0;  // of text
  bool operator==(const queue_total&) const = default;
};
struct snapshot {
  std::string database_id;  // random, made when the database was created
  std::vector<std::pair<std::string, std::string>> blocks;  // (user, the user they blocked)
  std::vector<set_login_block> login_blocks;                // those still in force
  std::vector<std::pair<std::string, wall_ms>> last_seen;   // when each user was last online
  std::vector<queue_total> queues;                          // per recipient, non-empty only
  std::vector<sender_total> senders;                        // per sender, non-empty only
};

}  // namespace msgapp::store
