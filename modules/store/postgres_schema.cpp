// The cluster's tables, made once by whichever node opens the database first.
#include <fmt/format.h>

#include "postgres_backend.hpp"

namespace msgapp::store::postgres_schema {

namespace {

// Names and texts compare as bytes (COLLATE "C"), as in SQLite, whatever the database's locale.
// Identity ids are increasing and never reused, even after the highest one is deleted.
constexpr const char* create_v1 = R"sql(
CREATE TABLE msgapp_meta(key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
INSERT INTO msgapp_meta(key, value) VALUES
  ('database_id', replace(gen_random_uuid()::text, '-', ''));
CREATE TABLE msgapp_messages(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recipient text COLLATE "C" NOT NULL,
  sender text COLLATE "C" NOT NULL,
  sent_at bigint NOT NULL,
  text text NOT NULL);
CREATE INDEX msgapp_messages_by_recipient ON msgapp_messages(recipient, id);
CREATE INDEX msgapp_messages_by_sender ON msgapp_messages(sender);
CREATE TABLE msgapp_blocks(
  user_name text COLLATE "C" NOT NULL,
  other text COLLATE "C" NOT NULL,
  PRIMARY KEY (user_name, other));
CREATE TABLE msgapp_login_blocks(user_name text COLLATE "C" PRIMARY KEY, until bigint NOT NULL);
CREATE TABLE msgapp_logins(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_name text COLLATE "C" NOT NULL,
  logged_in_at bigint NOT NULL,
  logged_out_at bigint);
CREATE INDEX msgapp_logins_by_user ON msgapp_logins(user_name);
)sql";

// The key of the advisory lock nodes take while they look for (and make) the schema.
constexpr const char* schema_lock = "SELECT pg_advisory_xact_lock(7136274656372839)";

}  // namespace

pg::result<void> ensure(pg::connection& db) {
  auto fail = [&](pg::error e) -> tl::unexpected<pg::error> {
    if (db.ok()) (void)db.exec("ROLLBACK");
    return tl::unexpected(std::move(e));
  };
  if (auto begun = db.exec("BEGIN"); !begun) return fail(begun.error());
  // Held until COMMIT: a node that waits here sees the tables the first one made.
  if (auto locked = db.exec(schema_lock); !locked) return fail(locked.error());
  auto found = db.exec("SELECT to_regclass('msgapp_meta') IS NOT NULL");
  if (!found) return fail(found.error());
  if (found->text(0, 0) != "t") {
    if (auto made = db.exec(create_v1); !made) return fail(made.error());
    const auto stamp =
        fmt::format("INSERT INTO msgapp_meta(key, value) VALUES ('schema_version', '{}')",
                    postgres_schema_version);
    if (auto stamped = db.exec(stamp); !stamped) return fail(stamped.error());
  } else {
    auto version = db.exec("SELECT value FROM msgapp_meta WHERE key = 'schema_version'");
    if (!version) return fail(version.error());
    const auto v = version->size() == 1 ? version->integer(0, 0) : 0;
    if (v > postgres_schema_version)
      return fail(pg::error{false, fmt::format("the database was made by a newer msgapp: schema "
                                               "{}, this build knows up to {}",
                                               v, postgres_schema_version)});
    if (v < 1)
      return fail(pg::error{false, "the database has msgapp tables but no schema version"});
  }
  return db.commit();
}

}  // namespace msgapp::store::postgres_schema
