// The PostgreSQL backend's connection and transactions: group commit of many batches, each in
// its own savepoint, and a new connection after one is lost.
#include "postgres_backend.hpp"
#include "run_ops.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace msgapp::store {

namespace {

constexpr std::pair<const char*, const char*> statements[] = {
    {"lock_recipient", "SELECT pg_advisory_xact_lock($1, hashtext($2))"},
    {"insert_message",
     "INSERT INTO msgapp_messages(recipient, sender, sent_at, text) VALUES ($1, $2, $3, $4)"},
    {"count_deleted",
     "SELECT sender, count(*), sum(octet_length(text)) FROM msgapp_messages "
     "WHERE recipient = $1 AND id <= $2 GROUP BY sender ORDER BY sender"},
    {"delete_messages", "DELETE FROM msgapp_messages WHERE recipient = $1 AND id <= $2"},
    {"read_messages",
     "SELECT id, sender, sent_at, text, octet_length(text) FROM msgapp_messages "
     "WHERE recipient = $1 AND id > $2 ORDER BY id LIMIT $3"},
    {"insert_block",
     "INSERT INTO msgapp_blocks(user_name, other) VALUES ($1, $2) ON CONFLICT DO NOTHING"},
    {"delete_block", "DELETE FROM msgapp_blocks WHERE user_name = $1 AND other = $2"},
    {"upsert_login_block",
     "INSERT INTO msgapp_login_blocks(user_name, until) VALUES ($1, $2) "
     "ON CONFLICT (user_name) DO UPDATE SET until = excluded.until"},
    {"delete_login_block", "DELETE FROM msgapp_login_blocks WHERE user_name = $1"},
    {"insert_login", "INSERT INTO msgapp_logins(user_name, logged_in_at) VALUES ($1, $2)"},
    {"close_logins",
     "UPDATE msgapp_logins SET logged_out_at = $2 WHERE user_name = $1 AND logged_out_at IS NULL"},
    {"forget_logins", "DELETE FROM msgapp_logins WHERE logged_out_at < $1"},
};

long long whole_seconds(std::chrono::milliseconds d) {
  return std::max<long long>(1, std::chrono::ceil<std::chrono::seconds>(d).count());
}

// Every wait bounded, unless the conninfo sets its own: connecting (libpq counts whole
// seconds, and takes 1 as 2), and on TCP a server that goes silent (keepalives, and
// unacknowledged data) within about silent_server.
std::string bounded(const postgres_options& options, const std::vector<std::string>& set) {
  std::string conninfo = options.conninfo;
  const bool uri = conninfo.starts_with("postgresql://") || conninfo.starts_with("postgres://");
  auto add = [&](std::string_view key, long long value) {
    if (std::find(set.begin(), set.end(), key) != set.end()) return;
    const char* separator = !uri ? " " : conninfo.find('?') == std::string::npos ? "?" : "&";
    conninfo += fmt::format("{}{}={}", separator, key, value);
  };
  add("connect_timeout", std::max<long long>(2, whole_seconds(options.connect_timeout)));
  const auto half = whole_seconds(options.silent_server / 2);
  add("keepalives_idle", half);
  add("keepalives_interval", 1);
  add("keepalives_count", half);
  add("tcp_user_timeout", options.silent_server.count());
  return conninfo;
}

}  // namespace

tl::expected<std::unique_ptr<backend>, std::string> open_postgres(const postgres_options& options) {
  return postgres_backend::make(options);
}

tl::expected<std::unique_ptr<backend>, std::string> postgres_backend::make(
    postgres_options options) {
  auto set = pg::keywords_in(options.conninfo);
  if (!set) return tl::unexpected(fmt::format("bad PostgreSQL conninfo: {}", set.error().message));
  options.conninfo = bounded(options, *set);
  std::unique_ptr<postgres_backend> made(new postgres_backend(std::move(options)));
  if (auto connected = made->connect(); !connected)
    return tl::unexpected(failure(connected.error()));
  return made;
}

pg::result<void> postgres_backend::connect() {
  db_.reset();
  auto db = pg::connection::open(options_.conninfo);
  if (!db) return tl::unexpected(std::move(db.error()));
  const auto settings =
      fmt::format("SET statement_timeout = {}", options_.statement_timeout.count());
  if (auto set = db->exec(settings); !set) return tl::unexpected(std::move(set.error()));
  if (auto schema = postgres_schema::ensure(*db); !schema) return schema;
  for (const auto& [name, sql] : statements)
    if (auto prepared = db->prepare(name, sql); !prepared) return prepared;
  db_ = std::move(*db);
  return {};
}

pg::result<void> postgres_backend::ensure_connected() {
  if (db_ && db_->ok()) return {};
  return connect();
}

std::string postgres_backend::failure(const pg::error& e) {
  if (e.lost) return fmt::format("PostgreSQL unavailable: {}", e.message);
  return fmt::format("PostgreSQL: {}", e.message);
}

pg::result<std::vector<op_result>> postgres_backend::run(const batch& b) {
  return run_ops<pg::result<std::vector<op_result>>>(b, [this](const auto& o) { return run(o); });
}

pg::result<void> postgres_backend::lock_recipients(std::span<const batch> batches) {
  // A reader keeps the highest id it has seen, so one recipient's messages must commit in id
  // order: a node that enqueues for them waits here until the other node's transaction ends
  // (else id 10 could commit before 9, and a reader that saw 10 would skip 9). Taken before
  // any insert, in one order on every node, so two nodes never wait for each other.
  std::vector<std::string_view> recipients;
  for (const auto& b : batches)
    for (const auto& op : b.ops)
      if (const auto* e = std::get_if<enqueue_message>(&op)) recipients.push_back(e->to);
  std::sort(recipients.begin(), recipients.end());
  recipients.erase(std::unique(recipients.begin(), recipients.end()), recipients.end());
  const auto lock_class = pg::number(postgres_recipient_lock);
  for (const auto r : recipients)
    if (auto locked = db_->run("lock_recipient", {lock_class, r}); !locked)
      return tl::unexpected(std::move(locked.error()));
  return {};
}

std::vector<outcome> postgres_backend::apply(std::span<const batch> batches) {
  std::vector<outcome> outcomes(batches.size());
  for (std::size_t i = 0; i < batches.size(); ++i)
    outcomes[i].ticket = batches[i].ticket;
  auto fail_all = [&](const pg::error& e) {
    if (db_ && db_->ok()) (void)db_->exec("ROLLBACK");
    for (auto& o : outcomes)
      o.results = tl::unexpected(failure(e));
    return outcomes;
  };
  if (auto connected = ensure_connected(); !connected) return fail_all(connected.error());
  if (auto begun = db_->exec("BEGIN"); !begun) return fail_all(begun.error());
  if (auto locked = lock_recipients(batches); !locked) return fail_all(locked.error());
  bool any = false;  // a batch to commit
  for (std::size_t i = 0; i < batches.size(); ++i) {
    if (auto saved = db_->exec("SAVEPOINT batch"); !saved) return fail_all(saved.error());
    auto results = run(batches[i]);
    if (results) {
      if (auto released = db_->exec("RELEASE batch"); !released) return fail_all(released.error());
      outcomes[i].results = std::move(*results);
      any = true;
      continue;
    }
    // A lost connection takes every batch with it; a failing statement only this one.
    if (results.error().lost) return fail_all(results.error());
    outcomes[i].results = tl::unexpected(failure(results.error()));
    if (auto back = db_->exec("ROLLBACK TO batch"); !back) return fail_all(back.error());
    if (auto released = db_->exec("RELEASE batch"); !released) return fail_all(released.error());
  }
  if (!any) {
    (void)db_->exec("ROLLBACK");
    return outcomes;
  }
  if (auto committed = db_->commit(); !committed) {
    if (db_->ok()) (void)db_->exec("ROLLBACK");
    for (auto& o : outcomes)
      if (o.results) o.results = tl::unexpected(failure(committed.error()));
  }
  return outcomes;
}

}  // namespace msgapp::store
