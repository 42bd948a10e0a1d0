// Opening a data directory: created when missing, migrated from schema 1, and refused, with a
// sentence naming the path, when it is not one this build may use.
#include <sqlite3.h>

#include <fstream>
#include <string>

#include "store_support.hpp"

namespace {

using namespace store_test;

std::string open_error(const store::sqlite_options& options) {
  auto db = store::open_sqlite(options);
  if (db) FAIL("open_sqlite succeeded on " << options.data_dir);
  return db.error();
}

// Runs SQL on a database file directly, as another program (or an older msgapp) would.
void run_sql(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string why = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  INFO(why);
  REQUIRE(rc == SQLITE_OK);
}

std::int64_t query_int(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  const bool row = sqlite3_step(stmt) == SQLITE_ROW;
  const std::int64_t value = row ? sqlite3_column_int64(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("store open: a missing directory is created, with the schema this build writes") {
  temp_dir dir;
  open_or_fail(on_disk(dir.data()));
  const auto file = dir.data() / "msgapp.db";
  CHECK(fs::is_regular_file(file));
  CHECK(fs::is_regular_file(dir.data() / "lock"));
  CHECK(query_int(file, "PRAGMA user_version") == store::schema_version);
  CHECK(query_int(file, "PRAGMA application_id") == 0x6D736761);
  CHECK(read_file(file).substr(18, 2) == std::string("\x02\x02", 2));  // the header says WAL
  CHECK(query_int(file, "SELECT count(*) FROM sqlite_master WHERE name = 'logins'") == 1);
  CHECK(query_int(file, "SELECT count(*) FROM sqlite_master WHERE name = 'last_seen'") == 0);
}

TEST_CASE("store open: a schema-1 database is migrated forward, keeping everything") {
  temp_dir dir;
  fs::create_directory(dir.data());
  const auto file = dir.data() / "msgapp.db";
  run_sql(file, read_file(MSGAPP_STORE_FIXTURES "/v1.sql"));
  REQUIRE(query_int(file, "PRAGMA user_version") == 1);

  auto db = open_or_fail(on_disk(dir.data()));
  const auto loaded = load_ok(*db, 1800000000000);
  CHECK(loaded.database_id == "0123456789abcdef0123456789abcdef");
  using pair = std::pair<std::string, std::string>;
  CHECK(loaded.blocks == std::vector<pair>{{"alice", "mallory"}, {"bob", "mallory"}});
  REQUIRE(loaded.login_blocks.size() == 1);
  CHECK(loaded.login_blocks[0].user == "mallory");
  using seen = std::vector<std::pair<std::string, store::wall_ms>>;
  CHECK(loaded.last_seen == seen{{"alice", 1700000100000}, {"bob", 1700000200000}});
  CHECK(loaded.queues == std::vector<store::queue_total>{{"alice", 1, 4}, {"bob", 2, 20}});
  const auto bob = read_page(*db, "bob", 0, 10, 1000);
  REQUIRE(bob.messages.size() == 2);
  CHECK(bob.messages[1] == store::stored_message{2, "carol", 1700000001000, "are you there?"});
  // The fixture deleted its highest id, 4: it stays used.
  apply_ok(*db, {store::enqueue_message{"alice", "bob", 1, "new"}});
  CHECK(read_page(*db, "alice", 3, 10, 1000).messages.at(0).id == 5);
  db.reset();
  CHECK(query_int(file, "PRAGMA user_version") == 2);
  CHECK(query_int(file, "SELECT count(*) FROM sqlite_master WHERE name = 'last_seen'") == 0);
  CHECK(query_int(file, "SELECT count(*) FROM logins") == 2);
}

TEST_CASE("store open: a second open of the same directory is refused until the first ends") {
  temp_dir dir;
  auto first = open_or_fail(on_disk(dir.data()));
  const auto d = dir.data().string();
  CHECK(open_error(on_disk(dir.data())) ==
        d + " is in use by another msgserver (lock " + d + "/lock)");
  first.reset();
  open_or_fail(on_disk(dir.data()));
}

TEST_CASE("store open: a data directory that is a file, or whose parent is missing") {
  temp_dir dir;
  std::ofstream(dir.data()) << "not a directory\n";
  CHECK_THAT(open_error(on_disk(dir.data())),
             Catch::Contains(dir.data().string()) && Catch::Contains("not a directory"));
  const auto deep = dir.path() / "missing" / "data";
  CHECK_THAT(open_error(on_disk(deep)), Catch::Contains(deep.string()));
  CHECK_FALSE(fs::exists(dir.path() / "missing"));
}

TEST_CASE("store open: a file that is not SQLite is refused, and left as it was") {
  temp_dir dir;
  fs::create_directory(dir.data());
  const auto file = dir.data() / "msgapp.db";
  const std::string garbage(8192, '\x5a');
  std::ofstream(file, std::ios::binary) << garbage;
  CHECK_THAT(open_error(on_disk(dir.data())),
             Catch::Contains(file.string()) && Catch::Contains("not an msgapp database"));
  CHECK(read_file(file) == garbage);
}

TEST_CASE("store open: a corrupt msgapp database is refused") {
  temp_dir dir;
  {
    auto db = open_or_fail(on_disk(dir.data()));
    for (int i = 0; i < 50; ++i)
      apply_ok(*db, {store::enqueue_message{"bob", "alice", i, std::string(1000, 'a')}});
  }
  const auto file = dir.data() / "msgapp.db";
  REQUIRE(fs::file_size(file) > 8 * 4096);
  {
    // Overwrites pages 3 to 6 (the first holds the header, so it still looks like SQLite).
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2 * 4096);
    const std::string noise(4 * 4096, '\x5a');
    f.write(noise.data(), static_cast<std::streamsize>(noise.size()));
  }
  CHECK_THAT(open_error(on_disk(dir.data())),
             Catch::Contains(file.string()) && Catch::Contains("corrupt"));
}

TEST_CASE("store open: another application's SQLite file is refused, and left as it was") {
  temp_dir dir;
  fs::create_directory(dir.data());
  const auto file = dir.data() / "msgapp.db";
  run_sql(file, "PRAGMA application_id = 42; CREATE TABLE photos(id INTEGER PRIMARY KEY);");
  CHECK_THAT(open_error(on_disk(dir.data())),
             Catch::Contains(file.string()) && Catch::Contains("another application"));
  CHECK(query_int(file, "PRAGMA application_id") == 42);
  CHECK(query_int(file, "SELECT count(*) FROM sqlite_master") == 1);
}

TEST_CASE("store open: a database from a newer msgapp is refused") {
  temp_dir dir;
  fs::create_directory(dir.data());
  const auto file = dir.data() / "msgapp.db";
  run_sql(file, "PRAGMA application_id = 1836279649; PRAGMA user_version = 3; CREATE TABLE t(x);");
  CHECK(open_error(on_disk(dir.data())) ==
        file.string() + " was made by a newer msgapp: schema 3, this build knows up to 2");
  CHECK(query_int(file, "PRAGMA user_version") == 3);
}

TEST_CASE("store open: a directory without permission is refused") {
  if (::geteuid() == 0) {
    WARN("skipped: root ignores file permissions");
    return;
  }
  temp_dir dir;
  fs::create_directory(dir.data());
  fs::permissions(dir.data(), fs::perms::none);
  CHECK_THAT(open_error(on_disk(dir.data())),
             Catch::Contains(dir.data().string()) && Catch::Contains("permission"));
  fs::permissions(dir.data(), fs::perms::owner_all);
}
