// A thin RAII layer over libpq: one blocking connection, prepared statements with text
// parameters, and results whose every failure is a value saying whether the connection is gone.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

struct pg_conn;
struct pg_result;

namespace msgapp::store::pg {

struct error {
  bool lost = false;  // the connection is gone (or never came): nothing more on it will work
  std::string message;
};
template <typename T>
using result = tl::expected<T, error>;

// The rows of one statement, as text (libpq's text format).
class rows {
 public:
  int size() const;
  std::string_view text(int row, int column) const;
  std::int64_t integer(int row, int column) const;  // 0 for NULL or not a number
  bool is_null(int row, int column) const;

 private:
  friend class connection;
  struct clearer {
    void operator()(pg_result* r) const;
  };
  explicit rows(pg_result* r) : result_(r) {}
  std::unique_ptr<pg_result, clearer> result_;
};

// An integer parameter as the decimal text libpq sends.
inline std::string number(std::int64_t value) {
  return std::to_string(value);
}

// The keywords `conninfo` sets (key/value form or URI), parsed by libpq without connecting;
// an error if it cannot be parsed.
result<std::vector<std::string>> keywords_in(const std::string& conninfo);

class connection {
 public:
  // Connects (blocking, bounded by connect_timeout in `conninfo`).
  static result<connection> open(const std::string& conninfo);

  bool ok() const;  // connected, as far as libpq knows
  // One or more statements without parameters; the rows of the last one.
  result<rows> exec(const std::string& sql);
  result<void> prepare(const std::string& name, const std::string& sql);
  result<rows> run(const std::string& name, std::initializer_list<std::string_view> params);
  // Commits and says whether it did: COMMIT of a failed transaction is a ROLLBACK.
  result<void> commit();

 private:
  struct finisher {
    void operator()(pg_conn* c) const;
  };
  explicit connection(pg_conn* c) : conn_(c) {}
  result<rows> check(pg_result* r) const;
  std::unique_ptr<pg_conn, finisher> conn_;
};

}  // namespace msgapp::store::pg
