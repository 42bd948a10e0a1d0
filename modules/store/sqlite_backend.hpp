// The SQLite backend's state: the connection, its prepared statements, and the directory lock
// it holds for its whole life.
#pragma once

#include <optional>
#include <string>

#include "data_dir_lock.hpp"
#include "msgapp/store/backend.hpp"
#include "sqlite_handle.hpp"

namespace msgapp::store {

class sqlite_backend final : public backend {
 public:
  // Prepares every statement once, on a database already at schema_version.
  static tl::expected<std::unique_ptr<backend>, std::string> make(std::optional<data_dir_lock> lock,
                                                                  sqlite::database db,
                                                                  std::string path);

  tl::expected<snapshot, std::string> load(wall_ms now) override;
  std::vector<outcome> apply(std::span<const batch> batches) override;

 private:
  struct statements {
    sqlite::statement begin, commit, rollback;
    sqlite::statement savepoint, release, rollback_to;
    sqlite::statement insert_message, count_deleted, delete_messages, read_messages;
    sqlite::statement insert_block, delete_block;
    sqlite::statement upsert_login_block, delete_login_block;
    sqlite::statement insert_login, close_logins, forget_logins;
  };

  sqlite_backend(std::optional<data_dir_lock> lock, sqlite::database db, std::string path)
      : lock_(std::move(lock)), db_(std::move(db)), path_(std::move(path)) {}
  sqlite::result<void> prepare();

  sqlite::result<std::vector<op_result>> run(const batch& b);
  sqlite::result<op_result> run(const enqueue_message& op);
  sqlite::result<op_result> run(const delete_messages& op);
  sqlite::result<op_result> run(const set_blocked& op);
  sqlite::result<op_result> run(const set_login_block& op);
  sqlite::result<op_result> run(const record_login& op);
  sqlite::result<op_result> run(const record_logout& op);
  sqlite::result<op_result> run(const forget_logins_before& op);
  sqlite::result<op_result> run(const read_messages& op);

  std::string failure(const sqlite::error& e) const;

  // Declared in this order so they end in the reverse one: statements, connection, lock.
  std::optional<data_dir_lock> lock_;  // none in memory
  sqlite::database db_;
  std::string path_;  // for messages
  statements sql_;
};

}  // namespace msgapp::store
