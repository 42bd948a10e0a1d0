// The snapshot a node keeps in memory, read once at start in one consistent view. Unlike
// SQLite, open logins stay open: they are other nodes' users, online now.
#include <fmt/format.h>

#include "postgres_backend.hpp"

namespace msgapp::store {

namespace {

std::size_t size_at(const pg::rows& rows, int row, int column) {
  return static_cast<std::size_t>(rows.integer(row, column));
}

}  // namespace

tl::expected<snapshot, std::string> postgres_backend::load(wall_ms now) {
  snapshot s;
  auto read = [&]() -> pg::result<void> {
    auto id = db_->exec("SELECT value FROM msgapp_meta WHERE key = 'database_id'");
    if (!id) return tl::unexpected(std::move(id.error()));
    if (id->size() == 1) s.database_id = std::string(id->text(0, 0));
    auto blocks = db_->exec("SELECT user_name, other FROM msgapp_blocks ORDER BY user_name, other");
    if (!blocks) return tl::unexpected(std::move(blocks.error()));
    for (int r = 0; r < blocks->size(); ++r)
      s.blocks.emplace_back(blocks->text(r, 0), blocks->text(r, 1));
    auto login_blocks = db_->exec(fmt::format(
        "SELECT user_name, until FROM msgapp_login_blocks WHERE until > {} ORDER BY user_name",
        now));
    if (!login_blocks) return tl::unexpected(std::move(login_blocks.error()));
    for (int r = 0; r < login_blocks->size(); ++r)
      s.login_blocks.push_back(
          set_login_block{std::string(login_blocks->text(r, 0)), login_blocks->integer(r, 1)});
    auto seen = db_->exec(
        "SELECT user_name, max(logged_out_at) FROM msgapp_logins WHERE logged_out_at IS NOT NULL "
        "GROUP BY user_name ORDER BY user_name");
    if (!seen) return tl::unexpected(std::move(seen.error()));
    for (int r = 0; r < seen->size(); ++r)
      s.last_seen.emplace_back(seen->text(r, 0), seen->integer(r, 1));
    auto queues = db_->exec(
        "SELECT recipient, count(*), sum(octet_length(text)) FROM msgapp_messages "
        "GROUP BY recipient ORDER BY recipient");
    if (!queues) return tl::unexpected(std::move(queues.error()));
    for (int r = 0; r < queues->size(); ++r)
      s.queues.push_back(queue_total{std::string(queues->text(r, 0)), size_at(*queues, r, 1),
                                     size_at(*queues, r, 2)});
    auto senders = db_->exec(
        "SELECT sender, count(*), sum(octet_length(text)) FROM msgapp_messages "
        "GROUP BY sender ORDER BY sender");
    if (!senders) return tl::unexpected(std::move(senders.error()));
    for (int r = 0; r < senders->size(); ++r)
      s.senders.push_back(sender_total{std::string(senders->text(r, 0)), size_at(*senders, r, 1),
                                       size_at(*senders, r, 2)});
    return {};
  };
  if (auto connected = ensure_connected(); !connected)
    return tl::unexpected(failure(connected.error()));
  // One snapshot of the whole database, while other nodes go on writing.
  if (auto begun = db_->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !begun)
    return tl::unexpected(failure(begun.error()));
  if (auto done = read(); !done) {
    if (db_->ok()) (void)db_->exec("ROLLBACK");
    return tl::unexpected(failure(done.error()));
  }
  if (auto committed = db_->commit(); !committed) return tl::unexpected(failure(committed.error()));
  return s;
}

}  // namespace msgapp::store
