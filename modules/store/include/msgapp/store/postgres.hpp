// The cluster's backend: one PostgreSQL database that every msgserver node shares.
//
// Same contract as backend.hpp, with these differences because several nodes use the database
// at once:
// - load() does NOT close logins left open: other nodes' users are online. When a node dies,
//   the janitor records its users' logouts with record_logout. last_seen holds only users
//   with a recorded logout.
// - The schema is created on open when missing, under an advisory lock (nodes starting
//   together create it once), with a meta table: database_id (random, made once) and the
//   schema version. A database from a newer version is refused.
// - Message ids come from an identity column: increasing, never reused. enqueue takes an
//   advisory lock on the recipient until commit, so one recipient's messages commit in id
//   order even when several nodes enqueue for them at once.
// - A lost connection fails apply() (every batch, "PostgreSQL unavailable: ..."); the next
//   apply() or load() connects again, so a node recovers by itself when PostgreSQL is back.
// Blocking libpq: only the store thread (store_thread.hpp) calls it, never the hub's thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "msgapp/store/backend.hpp"

namespace msgapp::store {

struct postgres_options {
  std::string conninfo;  // a libpq connection string: "host=... port=... dbname=... user=..."
  // Every wait is bounded, each added to conninfo unless it sets its own: connecting
  // (connect_timeout; libpq counts whole seconds, at least 2), each statement (a server-side
  // statement_timeout), and on TCP a server gone silent (keepalives, tcp_user_timeout).
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::milliseconds silent_server{10000};
};

// Connects and creates the schema if it is missing. Every failure is one sentence:
// "bad PostgreSQL conninfo: ...", "PostgreSQL unavailable: ..." when the server cannot be
// reached, or "PostgreSQL: ..." (a database made by a newer msgapp, no permission, ...).
tl::expected<std::unique_ptr<backend>, std::string> open_postgres(const postgres_options& options);

// The first key of the advisory lock enqueue takes on a recipient (the second: hashtext of
// the name), so anything else that queues messages in the database can take it too.
inline constexpr int postgres_recipient_lock = 1836279661;

// The schema version this build writes in the meta table.
inline constexpr int postgres_schema_version = 1;

}  // namespace msgapp::store
