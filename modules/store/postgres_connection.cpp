// libpq behind values: a statement that fails says why, and whether the connection is gone.
#include "postgres_connection.hpp"

#include <libpq-fe.h>

#include <charconv>

namespace msgapp::store::pg {

namespace {

// libpq's sentences end with a newline, and some hold several lines with tabs: one line.
std::string one_line(const char* text) {
  std::string s;
  for (const char* c = text != nullptr ? text : ""; *c != '\0'; ++c) {
    const bool space = *c == '\n' || *c == '\t' || *c == ' ';
    if (!space)
      s += *c;
    else if (!s.empty() && s.back() != ' ')
      s += ' ';
  }
  if (!s.empty() && s.back() == ' ') s.pop_back();
  return s.empty() ? "unknown error" : s;
}

}  // namespace

void rows::clearer::operator()(pg_result* r) const {
  PQclear(r);
}

int rows::size() const {
  return PQntuples(result_.get());
}

std::string_view rows::text(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::int64_t rows::integer(int row, int column) const {
  const auto s = text(row, column);
  std::int64_t value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

bool rows::is_null(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

result<std::vector<std::string>> keywords_in(const std::string& conninfo) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
  if (options == nullptr) {
    error e{false, message != nullptr ? one_line(message) : "out of memory"};
    PQfreemem(message);
    return tl::unexpected(std::move(e));
  }
  std::vector<std::string> set;
  for (const auto* o = options; o->keyword != nullptr; ++o)
    if (o->val != nullptr) set.emplace_back(o->keyword);
  PQconninfoFree(options);
  return set;
}

void connection::finisher::operator()(pg_conn* c) const {
  PQfinish(c);
}

result<connection> connection::open(const std::string& conninfo) {
  connection made(PQconnectdb(conninfo.c_str()));
  if (!made.conn_) return tl::unexpected(error{true, "out of memory"});
  if (PQstatus(made.conn_.get()) != CONNECTION_OK)
    return tl::unexpected(error{true, one_line(PQerrorMessage(made.conn_.get()))});
  return made;
}

bool connection::ok() const {
  return conn_ && PQstatus(conn_.get()) == CONNECTION_OK;
}

result<rows> connection::check(pg_result* r) const {
  rows out(r);
  const auto status = PQresultStatus(r);
  if (r != nullptr && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) return out;
  // A lost connection shows as a failed statement and a bad status (or no result at all).
  const bool lost = r == nullptr || PQstatus(conn_.get()) != CONNECTION_OK;
  // The server's own sentence, without "ERROR:" and its context lines; else libpq's.
  const char* message = r != nullptr ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (message == nullptr || *message == '\0') message = PQerrorMessage(conn_.get());
  return tl::unexpected(error{lost, one_line(message)});
}

result<rows> connection::exec(const std::string& sql) {
  return check(PQexec(conn_.get(), sql.c_str()));
}

result<void> connection::prepare(const std::string& name, const std::string& sql) {
  auto done = check(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
  if (!done) return tl::unexpected(std::move(done.error()));
  return {};
}

result<rows> connection::run(const std::string& name,
                             std::initializer_list<std::string_view> params) {
  // Text parameters must end with a NUL: copies, since a string_view need not.
  std::vector<std::string> texts(params.begin(), params.end());
  std::vector<const char*> values;
  values.reserve(texts.size());
  for (const auto& t : texts)
    values.push_back(t.c_str());
  return check(PQexecPrepared(conn_.get(), name.c_str(), static_cast<int>(values.size()),
                              values.data(), nullptr, nullptr, 0));
}

result<void> connection::commit() {
  auto done = exec("COMMIT");
  if (!done) return tl::unexpected(std::move(done.error()));
  if (std::string_view(PQcmdStatus(done->result_.get())) != "COMMIT")
    return tl::unexpected(error{false, "the transaction was rolled back"});
  return {};
}

}  // namespace msgapp::store::pg
