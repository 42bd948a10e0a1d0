// Each operation of a batch as SQL on the prepared statements (inside the batch's savepoint).
#include <cstdint>
#include <limits>

#include "postgres_backend.hpp"

namespace msgapp::store {

namespace {

// LIMIT for a page of n: one row more than asked for says whether more remain.
std::int64_t one_more_than(std::size_t n) {
  constexpr auto most = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(n < most ? n + 1 : most);
}

pg::result<op_result> done_if(pg::result<pg::rows> done) {
  if (!done) return tl::unexpected(std::move(done.error()));
  return no_result{};
}

std::size_t size_at(const pg::rows& rows, int row, int column) {
  return static_cast<std::size_t>(rows.integer(row, column));
}

}  // namespace

pg::result<op_result> postgres_backend::run(const enqueue_message& op) {
  // The recipient is locked already (lock_recipients): ids commit in order for them.
  return done_if(db_->run("insert_message", {op.to, op.from, pg::number(op.sent_at), op.text}));
}

pg::result<op_result> postgres_backend::run(const delete_messages& op) {
  // Counted first, in the same savepoint: the hub's per-sender quotas shrink by exactly this.
  const auto up_to = pg::number(op.up_to);
  auto counted = db_->run("count_deleted", {op.recipient, up_to});
  if (!counted) return tl::unexpected(std::move(counted.error()));
  deleted gone;
  for (int r = 0; r < counted->size(); ++r)
    gone.by_sender.push_back(sender_total{std::string(counted->text(r, 0)), size_at(*counted, r, 1),
                                          size_at(*counted, r, 2)});
  if (auto done = db_->run("delete_messages", {op.recipient, up_to}); !done)
    return tl::unexpected(std::move(done.error()));
  return gone;
}

pg::result<op_result> postgres_backend::run(const set_blocked& op) {
  return done_if(db_->run(op.blocked ? "insert_block" : "delete_block", {op.user, op.other}));
}

pg::result<op_result> postgres_backend::run(const set_login_block& op) {
  if (op.until == 0) return done_if(db_->run("delete_login_block", {op.user}));
  return done_if(db_->run("upsert_login_block", {op.user, pg::number(op.until)}));
}

pg::result<op_result> postgres_backend::run(const record_login& op) {
  return done_if(db_->run("insert_login", {op.user, pg::number(op.at)}));
}

pg::result<op_result> postgres_backend::run(const record_logout& op) {
  return done_if(db_->run("close_logins", {op.user, pg::number(op.at)}));
}

pg::result<op_result> postgres_backend::run(const forget_logins_before& op) {
  // Open logins (logged_out_at NULL) stay: NULL < x is not true.
  return done_if(db_->run("forget_logins", {pg::number(op.before)}));
}

pg::result<op_result> postgres_backend::run(const read_messages& op) {
  auto rows = db_->run("read_messages", {op.recipient, pg::number(op.after),
                                         pg::number(one_more_than(op.max_messages))});
  if (!rows) return tl::unexpected(std::move(rows.error()));
  page out;
  std::size_t bytes = 0;
  for (int r = 0; r < rows->size(); ++r) {
    const std::size_t size = size_at(*rows, r, 4);
    if (out.messages.size() == op.max_messages ||
        (!out.messages.empty() && bytes + size > op.max_bytes)) {
      out.more = true;
      break;
    }
    bytes += size;
    out.messages.push_back(stored_message{rows->integer(r, 0), std::string(rows->text(r, 1)),
                                          rows->integer(r, 2), std::string(rows->text(r, 3))});
  }
  return out;
}

}  // namespace msgapp::store
