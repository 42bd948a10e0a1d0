// The SQLite backend's transactions: group commit of many batches, each in its own savepoint.
#include "sqlite_backend.hpp"
#include "run_ops.hpp"

#include <fmt/format.h>

namespace msgapp::store {

tl::expected<std::unique_ptr<backend>, std::string> sqlite_backend::make(
    std::optional<data_dir_lock> lock, sqlite::database db, std::string path) {
  std::unique_ptr<sqlite_backend> made(
      new sqlite_backend(std::move(lock), std::move(db), std::move(path)));
  if (auto prepared = made->prepare(); !prepared)
    return tl::unexpected(
        fmt::format("cannot prepare statements on {}: {}", made->path_, prepared.error().message));
  return made;
}

sqlite::result<void> sqlite_backend::prepare() {
  const std::pair<sqlite::statement*, const char*> all[] = {
      {&sql_.begin, "BEGIN IMMEDIATE"},
      {&sql_.commit, "COMMIT"},
      {&sql_.rollback, "ROLLBACK"},
      {&sql_.savepoint, "SAVEPOINT batch"},
      {&sql_.release, "RELEASE batch"},
      {&sql_.rollback_to, "ROLLBACK TO batch"},
      {&sql_.insert_message,
       "INSERT INTO messages(recipient, sender, sent_at, text) VALUES (?1, ?2, ?3, ?4)"},
      {&sql_.count_deleted,
       "SELECT sender, count(*), sum(length(CAST(text AS BLOB))) FROM messages "
       "WHERE recipient = ?1 AND id <= ?2 GROUP BY sender ORDER BY sender"},
      {&sql_.delete_messages, "DELETE FROM messages WHERE recipient = ?1 AND id <= ?2"},
      {&sql_.read_messages,
       "SELECT id, sender, sent_at, text, length(CAST(text AS BLOB)) FROM messages WHERE recipient "
       "= ?1 AND id > ?2 "
       "ORDER BY id LIMIT ?3"},
      {&sql_.insert_block, "INSERT OR IGNORE INTO blocks(user, other) VALUES (?1, ?2)"},
      {&sql_.delete_block, "DELETE FROM blocks WHERE user = ?1 AND other = ?2"},
      {&sql_.upsert_login_block,
       "INSERT INTO login_blocks(user, until) VALUES (?1, ?2) "
       "ON CONFLICT(user) DO UPDATE SET until = excluded.until"},
      {&sql_.delete_login_block, "DELETE FROM login_blocks WHERE user = ?1"},
      {&sql_.insert_login, "INSERT INTO logins(user, logged_in_at) VALUES (?1, ?2)"},
      {&sql_.close_logins,
       "UPDATE logins SET logged_out_at = ?2 WHERE user = ?1 AND logged_out_at IS NULL"},
      {&sql_.forget_logins, "DELETE FROM logins WHERE logged_out_at < ?1"},
  };
  for (const auto& [stmt, text] : all) {
    auto prepared = db_.prepare(text);
    if (!prepared) return tl::unexpected(std::move(prepared.error()));
    *stmt = std::move(*prepared);
  }
  return {};
}

std::string sqlite_backend::failure(const sqlite::error& e) const {
  return fmt::format("{}: {}", path_, e.message);
}

sqlite::result<std::vector<op_result>> sqlite_backend::run(const batch& b) {
  return run_ops<sqlite::result<std::vector<op_result>>>(b,
                                                         [this](const auto& o) { return run(o); });
}

std::vector<outcome> sqlite_backend::apply(std::span<const batch> batches) {
  std::vector<outcome> outcomes(batches.size());
  for (std::size_t i = 0; i < batches.size(); ++i)
    outcomes[i].ticket = batches[i].ticket;
  std::vector<bool> failed(batches.size(), false);
  // Each pass either commits or marks one more batch failed, so this ends. A second pass is
  // needed only if a failure (SQLITE_FULL, an I/O error) rolled back the whole transaction.
  for (bool again = true; again;) {
    again = false;
    if (auto begun = sql_.begin.run(); !begun) {
      for (auto& o : outcomes)
        o.results = tl::unexpected(failure(begun.error()));
      return outcomes;
    }
    for (std::size_t i = 0; i < batches.size() && !again; ++i) {
      if (failed[i]) continue;
      sqlite::result<std::vector<op_result>> results = tl::unexpected(sqlite::error{});
      if (auto saved = sql_.savepoint.run(); saved)
        results = run(batches[i]);
      else
        results = tl::unexpected(std::move(saved.error()));
      sqlite::result<void> released;
      if (results) released = sql_.release.run();
      if (results && released) {
        outcomes[i].results = std::move(*results);
        continue;
      }
      failed[i] = true;
      outcomes[i].results = tl::unexpected(failure(results ? released.error() : results.error()));
      const bool kept = db_.in_transaction() && sql_.rollback_to.run() && sql_.release.run();
      if (!kept) {
        // The transaction is gone with the batches before this one: apply them again.
        if (db_.in_transaction()) (void)sql_.rollback.run();
        again = true;
      }
    }
  }
  if (auto committed = sql_.commit.run(); !committed) {
    if (db_.in_transaction()) (void)sql_.rollback.run();
    for (std::size_t i = 0; i < batches.size(); ++i)
      if (!failed[i]) outcomes[i].results = tl::unexpected(failure(committed.error()));
  }
  return outcomes;
}

}  // namespace msgapp::store
