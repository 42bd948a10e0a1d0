// A thin RAII layer over SQLite's C API: a connection and prepared statements whose every
// failure is a value (SQLite's code, for decisions, and its sentence, for people).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

struct sqlite3;
struct sqlite3_stmt;

namespace msgapp::store::sqlite {

struct error {
  int code = 0;  // SQLite's primary result code: SQLITE_FULL, SQLITE_NOTADB, ...
  std::string message;
};
template <typename T>
using result = tl::expected<T, error>;

class statement {
 public:
  statement() = default;

  // Ends any previous use, then binds the parameters (?1 first): text or integers.
  template <typename... Args>
  result<void> start(const Args&... args) {
    reset();
    int index = 0;
    result<void> bound;
    ((bound = bound ? bind(++index, args) : bound), ...);
    return bound;
  }
  // Starts and steps to the end: for statements whose rows nobody wants.
  template <typename... Args>
  result<void> run(const Args&... args) {
    if (auto bound = start(args...); !bound) return bound;
    return finish();
  }
  result<bool> step();  // true: a row is ready; false: no more rows
  result<void> finish();
  void reset();  // a statement left mid-way would keep its read transaction open

  std::int64_t integer(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

 private:
  friend class database;
  statement(sqlite3_stmt* stmt, sqlite3* db);
  result<void> bind(int index, std::int64_t value);
  result<void> bind(int index, std::string_view value);

  struct finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  std::unique_ptr<sqlite3_stmt, finalizer> stmt_;
  sqlite3* db_ = nullptr;
};

class database {
 public:
  // `path` may be ":memory:". The connection is used by one thread at a time.
  static result<database> open(const std::string& path);

  result<void> exec(const std::string& sql);  // one or more statements, rows ignored
  result<statement> prepare(std::string_view sql);
  // The first column of the first row: for PRAGMAs and counts.
  result<std::int64_t> integer(std::string_view sql);
  result<std::string> text(std::string_view sql);
  bool in_transaction() const;

 private:
  struct closer {
    void operator()(sqlite3* db) const;
  };
  explicit database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, closer> db_;
};

}  // namespace msgapp::store::sqlite
