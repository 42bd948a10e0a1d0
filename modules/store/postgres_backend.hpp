// The PostgreSQL backend's state: the connection options and the current connection, made
// again (with its prepared statements) after it is lost.
#pragma once

#include <optional>
#include <string>

#include "msgapp/store/postgres.hpp"
#include "postgres_connection.hpp"

namespace msgapp::store {

class postgres_backend final : public backend {
 public:
  // Connects, creates the schema when missing, prepares every statement.
  static tl::expected<std::unique_ptr<backend>, std::string> make(postgres_options options);

  tl::expected<snapshot, std::string> load(wall_ms now) override;
  std::vector<outcome> apply(std::span<const batch> batches) override;

 private:
  explicit postgres_backend(postgres_options options) : options_(std::move(options)) {}

  // A connection with its session settings and statements, or why there is none.
  pg::result<void> connect();
  pg::result<void> ensure_connected();
  pg::result<void> lock_recipients(std::span<const batch> batches);

  pg::result<std::vector<op_result>> run(const batch& b);
  pg::result<op_result> run(const enqueue_message& op);
  pg::result<op_result> run(const delete_messages& op);
  pg::result<op_result> run(const set_blocked& op);
  pg::result<op_result> run(const set_login_block& op);
  pg::result<op_result> run(const record_login& op);
  pg::result<op_result> run(const record_logout& op);
  pg::result<op_result> run(const forget_logins_before& op);
  pg::result<op_result> run(const read_messages& op);

  // "PostgreSQL unavailable: ..." for a lost connection, else "PostgreSQL: ...".
  static std::string failure(const pg::error& e);

  postgres_options options_;  // conninfo with connect_timeout in it
  std::optional<pg::connection> db_;
};

namespace postgres_schema {
// Creates the tables once (under an advisory lock), or checks the version of those there.
pg::result<void> ensure(pg::connection& db);
}  // namespace postgres_schema

}  // namespace msgapp::store
