// Each operation of a batch as SQL on the prepared statements (inside the batch's savepoint).
#include <cstdint>
#include <limits>

#include "sqlite_backend.hpp"

namespace msgapp::store {

namespace {

// LIMIT for a page of n: one row more than asked for says whether more remain.
std::int64_t one_more_than(std::size_t n) {
  constexpr auto most = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(n < most ? n + 1 : most);
}

}  // namespace

sqlite::result<op_result> sqlite_backend::run(const enqueue_message& op) {
  if (auto done = sql_.insert_message.run(op.to, op.from, op.sent_at, op.text); !done)
    return tl::unexpected(std::move(done.error()));
  return no_result{};
}

sqlite::result<op_result> sqlite_backend::run(const delete_messages& op) {
  // Counted first, in the same savepoint: the hub's per-sender quotas shrink by exactly this.
  deleted gone;
  if (auto started = sql_.count_deleted.start(op.recipient, op.up_to); !started)
    return tl::unexpected(std::move(started.error()));
  for (;;) {
    auto row = sql_.count_deleted.step();
    if (!row) return tl::unexpected(std::move(row.error()));
    if (!*row) break;
    gone.by_sender.push_back(sender_total{sql_.count_deleted.text(0),
                                          static_cast<std::size_t>(sql_.count_deleted.integer(1)),
                                          static_cast<std::size_t>(sql_.count_deleted.integer(2))});
  }
  sql_.count_deleted.reset();
  if (auto done = sql_.delete_messages.run(op.recipient, op.up_to); !done)
    return tl::unexpected(std::move(done.error()));
  return gone;
}

sqlite::result<op_result> sqlite_backend::run(const set_blocked& op) {
  auto& stmt = op.blocked ? sql_.insert_block : sql_.delete_block;
  if (auto done = stmt.run(op.user, op.other); !done)
    return tl::unexpected(std::move(done.error()));
  return no_result{};
}

sqlite::result<op_result> sqlite_backend::run(const set_login_block& op) {
  auto done = op.until == 0 ? sql_.delete_login_block.run(op.user)
                            : sql_.upsert_login_block.run(op.user, op.until);
  if (!done) return tl::unexpected(std::move(done.error()));
  return no_result{};
}

sqlite::result<op_result> sqlite_backend::run(const record_login& op) {
  if (auto done = sql_.insert_login.run(op.user, op.at); !done)
    return tl::unexpected(std::move(done.error()));
  return no_result{};
}

sqlite::result<op_result> sqlite_backend::run(const record_logout& op) {
  if (auto done = sql_.close_logins.run(op.user, op.at); !done)
    return tl::unexpected(std::move(done.error()));
  return no_result{};
}

sqlite::result<op_result> sqlite_backend::run(const forget_logins_before& op) {
  // Open logins (logged_out_at NULL) stay: NULL < x is not true.
  if (auto done = sql_.forget_logins.run(op.before); !done)
    return tl::unexpected(std::move(done.error()));
  return no_result{};
}

sqlite::result<op_result> sqlite_backend::run(const read_messages& op) {
  page out;
  auto& stmt = sql_.read_messages;
  if (auto started = stmt.start(op.recipient, op.after, one_more_than(op.max_messages)); !started)
    return tl::unexpected(std::move(started.error()));
  std::size_t bytes = 0;
  for (;;) {
    auto row = stmt.step();
    if (!row) return tl::unexpected(std::move(row.error()));
    if (!*row) break;
    const std::size_t size = static_cast<std::size_t>(stmt.integer(4));
    if (out.messages.size() == op.max_messages ||
        (!out.messages.empty() && bytes + size > op.max_bytes)) {
      out.more = true;
      break;
    }
    bytes += size;
    out.messages.push_back(
        stored_message{stmt.integer(0), stmt.text(1), stmt.integer(2), stmt.text(3)});
  }
  stmt.reset();
  return out;
}

}  // namespace msgapp::store
