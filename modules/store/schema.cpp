// Schema versions as SQL steps: step v takes a database from version v to v+1. Creating a
// database is migrating it from 0, so a new database and an upgraded one end up the same.
#include "schema.hpp"

#include <array>

#include <fmt/format.h>
#include <sqlite3.h>

#include "msgapp/store/sqlite.hpp"

namespace msgapp::store::schema {

namespace {

// Version 1, as tests/store/fixtures/v1.sql holds it. AUTOINCREMENT: a message id is never
// reused, even after the highest one is deleted (clients key "already shown" on it).
constexpr const char* create_v1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta(key, value) VALUES ('database_id', lower(hex(randomblob(16))));
CREATE TABLE messages(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient TEXT NOT NULL,
  sender TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  text TEXT NOT NULL);
CREATE TABLE blocks(user TEXT NOT NULL, other TEXT NOT NULL, PRIMARY KEY (user, other));
CREATE TABLE login_blocks(user TEXT PRIMARY KEY, until INTEGER NOT NULL);
CREATE TABLE last_seen(user TEXT PRIMARY KEY, at INTEGER NOT NULL);
)sql";

// Version 2: a login history (for whoelsesince) instead of one time per user, and indexes
// for reading a recipient's queue in id order and for a sender's totals.
constexpr const char* v1_to_v2 = R"sql(
CREATE TABLE logins(
  id INTEGER PRIMARY KEY,
  user TEXT NOT NULL,
  logged_in_at INTEGER NOT NULL,
  logged_out_at INTEGER);
CREATE INDEX logins_by_user ON logins(user);
INSERT INTO logins(user, logged_in_at, logged_out_at) SELECT user, at, at FROM last_seen;
DROP TABLE last_seen;
CREATE INDEX messages_by_recipient ON messages(recipient, id);
CREATE INDEX messages_by_sender ON messages(sender);
)sql";

constexpr std::array<const char*, schema_version> steps = {create_v1, v1_to_v2};

}  // namespace

tl::expected<int, std::string> inspect(sqlite::database& db, const std::string& path) {
  // The first read of the file: a file that is not SQLite fails here.
  auto app = db.integer("PRAGMA application_id");
  if (!app) {
    if (app.error().code == SQLITE_NOTADB || app.error().code == SQLITE_CORRUPT)
      return tl::unexpected(fmt::format("{} is not an msgapp database, or it is corrupt ({})", path,
                                        app.error().message));
    return tl::unexpected(fmt::format("cannot read {}: {}", path, app.error().message));
  }
  auto version = db.integer("PRAGMA user_version");
  auto objects = db.integer("SELECT count(*) FROM sqlite_master");
  if (!version || !objects)
    return tl::unexpected(fmt::format("{} is not an msgapp database, or it is corrupt ({})", path,
                                      (!version ? version.error() : objects.error()).message));
  if (*app == 0 && *version == 0 && *objects == 0) return 0;
  if (*app != application_id)
    return tl::unexpected(
        fmt::format("{} is not an msgapp database: it is an SQLite database of another application "
                    "(application_id {:#x})",
                    path, *app));
  if (*version > schema_version)
    return tl::unexpected(
        fmt::format("{} was made by a newer msgapp: schema {}, this build knows up to {}", path,
                    *version, schema_version));
  if (*version < 1)
    return tl::unexpected(fmt::format("{} is corrupt: an msgapp database with no schema", path));

  auto check = db.text("PRAGMA quick_check");
  if (!check) return tl::unexpected(fmt::format("{} is corrupt ({})", path, check.error().message));
  if (*check != "ok")
    return tl::unexpected(fmt::format("{} is corrupt (quick_check: {})", path, *check));
  return static_cast<int>(*version);
}

tl::expected<void, std::string> migrate(sqlite::database& db, const std::string& path, int from) {
  if (from == schema_version) return {};
  auto fail = [&](const sqlite::error& e) -> tl::unexpected<std::string> {
    if (db.in_transaction()) (void)db.exec("ROLLBACK");
    if (from == 0)
      return tl::unexpected(
          fmt::format("cannot create {} (schema {}): {}", path, schema_version, e.message));
    return tl::unexpected(fmt::format("cannot migrate {} from schema {} to {}: {}", path, from,
                                      schema_version, e.message));
  };
  if (auto begun = db.exec("BEGIN IMMEDIATE"); !begun) return fail(begun.error());
  for (int v = from; v < schema_version; ++v)
    if (auto done = db.exec(steps[static_cast<std::size_t>(v)]); !done) return fail(done.error());
  // Both live in the file's header, inside this transaction: the version moves with the data.
  const auto stamp = fmt::format("PRAGMA application_id = {}; PRAGMA user_version = {};",
                                 application_id, schema_version);
  if (auto stamped = db.exec(stamp); !stamped) return fail(stamped.error());
  if (auto committed = db.exec("COMMIT"); !committed) return fail(committed.error());
  return {};
}

}  // namespace msgapp::store::schema
