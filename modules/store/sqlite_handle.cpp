// The RAII layer's calls into SQLite: every result code becomes a value, nothing throws.
#include "sqlite_handle.hpp"

#include <sqlite3.h>

namespace msgapp::store::sqlite {

namespace {

error last_error(sqlite3* db, int rc) {
  return error{rc & 0xff, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)};
}

}  // namespace

statement::statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}

void statement::finalizer::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

result<void> statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK) return tl::unexpected(last_error(db_, rc));
  return {};
}

result<void> statement::bind(int index, std::string_view value) {
  // A null pointer would bind NULL, not an empty text. TRANSIENT: SQLite copies the bytes, so
  // a caller may bind a temporary.
  const char* data = value.data() ? value.data() : "";
  const int rc =
      sqlite3_bind_text64(stmt_.get(), index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) return tl::unexpected(last_error(db_, rc));
  return {};
}

result<bool> statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  auto failure = last_error(db_, rc);
  reset();
  return tl::unexpected(std::move(failure));
}

result<void> statement::finish() {
  for (;;) {
    auto row = step();
    if (!row) return tl::unexpected(std::move(row.error()));
    if (!*row) break;
  }
  reset();
  return {};
}

void statement::reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_.get());  // repeats the last step's error, already reported
  sqlite3_clear_bindings(stmt_.get());
}

std::int64_t statement::integer(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::string statement::text(int column) const {
  // Text first, then its size: the order SQLite documents for a stable answer.
  const auto* bytes = sqlite3_column_text(stmt_.get(), column);
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column));
  if (!bytes) return {};
  return std::string(reinterpret_cast<const char*>(bytes), size);
}

bool statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

void database::closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

result<database> database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  database db(raw);  // closes the handle SQLite gives even when opening fails
  if (rc != SQLITE_OK) return tl::unexpected(last_error(raw, rc));
  sqlite3_extended_result_codes(raw, 0);
  return db;
}

result<void> database::exec(const std::string& sql) {
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return tl::unexpected(last_error(db_.get(), rc));
  return {};
}

result<statement> database::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return tl::unexpected(last_error(db_.get(), rc));
  }
  return statement(raw, db_.get());
}

result<std::int64_t> database::integer(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return tl::unexpected(std::move(stmt.error()));
  auto row = stmt->step();
  if (!row) return tl::unexpected(std::move(row.error()));
  return *row ? stmt->integer(0) : 0;
}

result<std::string> database::text(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return tl::unexpected(std::move(stmt.error()));
  auto row = stmt->step();
  if (!row) return tl::unexpected(std::move(row.error()));
  return *row ? stmt->text(0) : std::string();
}

bool database::in_transaction() const {
  return sqlite3_get_autocommit(db_.get()) == 0;
}

}  // namespace msgapp::store::sqlite
