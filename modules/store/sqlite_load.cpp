// The snapshot the hub keeps in memory, read once at start after closing the logins a crash
// left open: bounded by the accounts, never by the queued messages.
#include <fmt/format.h>

#include "sqlite_backend.hpp"

namespace msgapp::store {

namespace {

// Runs a query and hands each row to `each`.
template <typename Each, typename... Args>
sqlite::result<void> for_rows(sqlite::database& db, std::string_view sql, Each each,
                              const Args&... args) {
  auto stmt = db.prepare(sql);
  if (!stmt) return tl::unexpected(std::move(stmt.error()));
  if (auto started = stmt->start(args...); !started) return started;
  for (;;) {
    auto row = stmt->step();
    if (!row) return tl::unexpected(std::move(row.error()));
    if (!*row) return {};
    each(*stmt);
  }
}

std::size_t size_at(const sqlite::statement& row, int column) {
  return static_cast<std::size_t>(row.integer(column));
}

}  // namespace

tl::expected<snapshot, std::string> sqlite_backend::load(wall_ms now) {
  snapshot s;
  auto read = [&]() -> sqlite::result<void> {
    // Seen until the restart: whoever was online when the server died is logged out now.
    auto close = db_.prepare("UPDATE logins SET logged_out_at = ?1 WHERE logged_out_at IS NULL");
    if (!close) return tl::unexpected(std::move(close.error()));
    if (auto closed = close->run(now); !closed) return closed;
    auto id = db_.text("SELECT value FROM meta WHERE key = 'database_id'");
    if (!id) return tl::unexpected(std::move(id.error()));
    s.database_id = std::move(*id);
    if (auto r = for_rows(
            db_, "SELECT user, other FROM blocks ORDER BY user, other",
            [&](const sqlite::statement& row) { s.blocks.emplace_back(row.text(0), row.text(1)); });
        !r)
      return r;
    if (auto r = for_rows(
            db_, "SELECT user, until FROM login_blocks WHERE until > ?1 ORDER BY user",
            [&](const sqlite::statement& row) {
              s.login_blocks.push_back(set_login_block{row.text(0), row.integer(1)});
            },
            now);
        !r)
      return r;
    if (auto r =
            for_rows(db_, "SELECT user, max(logged_out_at) FROM logins GROUP BY user ORDER BY user",
                     [&](const sqlite::statement& row) {
                       s.last_seen.emplace_back(row.text(0), row.integer(1));
                     });
        !r)
      return r;
    if (auto r = for_rows(
            db_,
            "SELECT recipient, count(*), sum(length(CAST(text AS BLOB))) "
            "FROM messages GROUP BY recipient ORDER BY recipient",
            [&](const sqlite::statement& row) {
              s.queues.push_back(queue_total{row.text(0), size_at(row, 1), size_at(row, 2)});
            });
        !r)
      return r;
    return for_rows(
        db_,
        "SELECT sender, count(*), sum(length(CAST(text AS BLOB))) "
        "FROM messages GROUP BY sender ORDER BY sender",
        [&](const sqlite::statement& row) {
          s.senders.push_back(sender_total{row.text(0), size_at(row, 1), size_at(row, 2)});
        });
  };
  if (auto begun = sql_.begin.run(); !begun) return tl::unexpected(failure(begun.error()));
  if (auto done = read(); !done) {
    if (db_.in_transaction()) (void)sql_.rollback.run();
    return tl::unexpected(failure(done.error()));
  }
  if (auto committed = sql_.commit.run(); !committed)
    return tl::unexpected(failure(committed.error()));
  return s;
}

}  // namespace msgapp::store
