// The PostgreSQL backend against the fixture's real server, a fresh database per test: the
// checks SQLite passes too (tests/store/backend_checks.hpp), plus what sharing one database
// between nodes, and losing the connection, must do.
#include <chrono>
#include <map>
#include <string>

#include <msgapp/store/postgres.hpp>

#include "../store/backend_checks.hpp"
#include "engines.hpp"

namespace {

using namespace store_test;
using store::enqueue_message;
using store::stored_message;

std::unique_ptr<store::backend> open_pg(const std::string& conninfo) {
  store::postgres_options options;
  options.conninfo = conninfo;
  auto db = store::open_postgres(options);
  if (!db) FAIL("open_postgres: " << db.error());
  return std::move(*db);
}

// One node's backend on a database of its own; reopen() is the node restarting.
struct subject : reopenable {
  subject() : conninfo(cluster_test::fresh_database()), db_(open_pg(conninfo)) {}
  store::backend& db() override { return *db_; }
  void reopen() override {
    db_.reset();
    db_ = open_pg(conninfo);
  }
  void close() { db_.reset(); }
  std::string conninfo;
  std::unique_ptr<store::backend> db_;
};

// Runs SQL as another client would (an operator, or a failure being staged).
std::string sql(const std::string& conninfo, const std::string& statement) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), statement.c_str()), &PQclear);
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    FAIL(statement << ": " << PQerrorMessage(conn.get()));
  return status == PGRES_TUPLES_OK && PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
}

std::vector<store::outcome> apply(store::backend& db, std::vector<store::batch> batches) {
  return db.apply(std::span(batches));
}

}  // namespace

TEST_CASE("postgres: queued messages are read in pages, deleted with per-sender totals, and kept") {
  subject s;
  check_pages_totals_and_deletes(s);
}

TEST_CASE("postgres: a message id is never reused, even after the highest is deleted") {
  subject s;
  check_ids_never_reused(s);
}

TEST_CASE("postgres: reads see the changes before them in the same batch") {
  subject s;
  check_reads_see_their_batch(s);
}

TEST_CASE("postgres: blocks and login blocks are kept, and lifted or expired ones are not loaded") {
  subject s;
  check_blocks_and_login_blocks(s);
}

TEST_CASE("postgres: login history gives last seen, and load leaves open logins open") {
  subject s;
  apply_ok(s.db(), {store::record_login{"alice", 100}, store::record_login{"bob", 150}});
  apply_ok(s.db(), {store::record_logout{"alice", 200}, store::record_logout{"bob", 250}});
  apply_ok(s.db(), {store::record_login{"alice", 300}});  // online on some node
  s.reopen();
  using seen = std::vector<std::pair<std::string, store::wall_ms>>;
  CHECK(load_ok(s.db(), 1000).last_seen == seen{{"alice", 200}, {"bob", 250}});

  // Retention keeps the open login; the janitor's record_logout closes it later.
  apply_ok(s.db(), {store::forget_logins_before{260}});
  CHECK(load_ok(s.db(), 2000).last_seen == seen{});
  apply_ok(s.db(), {store::record_logout{"alice", 2500}});
  s.reopen();
  CHECK(load_ok(s.db(), 3000).last_seen == seen{{"alice", 2500}});
  apply_ok(s.db(), {store::record_login{"bob", 4000}, store::record_logout{"bob", 4500}});
  CHECK(load_ok(s.db(), 5000).last_seen == seen{{"alice", 2500}, {"bob", 4500}});
}

TEST_CASE("postgres: a database gets a random id when it is made, and keeps it") {
  subject s;
  const auto id = load_ok(s.db(), 0).database_id;
  CHECK(id.size() == 32);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  s.reopen();
  CHECK(load_ok(s.db(), 0).database_id == id);
  subject other;
  CHECK(load_ok(other.db(), 0).database_id != id);
}

TEST_CASE("postgres: a failing batch fails alone, and the others in the transaction commit") {
  subject s;
  std::vector<store::batch> batches{{1, {enqueue_message{"bob", "alice", 1, "first"}}},
                                    {2,
                                     {enqueue_message{"bob", "alice", 2, "kept out"},
                                      enqueue_message{"bob", "alice", 3, "not UTF-8: \xff"}}},
                                    {3, {enqueue_message{"bob", "carol", 4, "third"}}}};
  const auto outcomes = apply(s.db(), batches);
  REQUIRE(outcomes.size() == 3);
  CHECK(outcomes[0].ticket == 1);
  CHECK(outcomes[0].results.has_value());
  REQUIRE_FALSE(outcomes[1].results.has_value());
  CHECK_THAT(outcomes[1].results.error(), Catch::StartsWith("PostgreSQL: "));
  CHECK(outcomes[2].ticket == 3);
  CHECK(outcomes[2].results.has_value());
  const auto queued = read_page(s.db(), "bob", 0, 10, 1000).messages;
  REQUIRE(queued.size() == 2);
  CHECK(queued[0].text == "first");
  CHECK(queued[1].text == "third");
  CHECK(queued[0].id < queued[1].id);
}

TEST_CASE("postgres: two nodes on one database see each other's messages and blocks") {
  subject node1;
  auto node2 = open_pg(node1.conninfo);
  apply_ok(node1.db(), {enqueue_message{"bob", "alice", 1, "from node1"}});
  apply_ok(*node2, {enqueue_message{"bob", "carol", 2, "from node2"},
                    store::set_blocked{"bob", "mallory", true}});
  apply_ok(node1.db(), {enqueue_message{"bob", "alice", 3, "node1 again"}});

  for (auto* db : {&node1.db(), node2.get()}) {
    const auto queued = read_page(*db, "bob", 0, 10, 1000).messages;
    REQUIRE(queued.size() == 3);
    CHECK(queued[0].text == "from node1");
    CHECK(queued[1].text == "from node2");
    CHECK(queued[2].text == "node1 again");
    CHECK(queued[0].id < queued[1].id);
    CHECK(queued[1].id < queued[2].id);
  }
  using pair = std::pair<std::string, std::string>;
  CHECK(load_ok(node1.db(), 0).blocks == std::vector<pair>{{"bob", "mallory"}});
  CHECK(load_ok(node1.db(), 0).database_id == load_ok(*node2, 0).database_id);

  // Deleted on one node, gone for the other; ids go on increasing across both.
  apply_ok(*node2, {store::delete_messages{"bob", 2}});
  apply_ok(node1.db(), {enqueue_message{"bob", "dave", 4, "later"}});
  const auto left = read_page(*node2, "bob", 0, 10, 1000).messages;
  REQUIRE(left.size() == 2);
  CHECK(left[0].text == "node1 again");
  CHECK(left[1].text == "later");
  CHECK(left[0].id < left[1].id);
}

TEST_CASE("postgres: an enqueue waits for another node's transaction on the same recipient") {
  subject s;
  store::postgres_options options;
  options.conninfo = s.conninfo;
  options.statement_timeout = std::chrono::milliseconds(200);
  auto node = store::open_postgres(options);
  REQUIRE(node);
  // Another node, mid-transaction with a message for bob: its lock is held until it commits.
  std::unique_ptr<PGconn, decltype(&PQfinish)> other(PQconnectdb(s.conninfo.c_str()), &PQfinish);
  REQUIRE(PQstatus(other.get()) == CONNECTION_OK);
  const auto lock = fmt::format("BEGIN; SELECT pg_advisory_xact_lock({}, hashtext('bob'))",
                                store::postgres_recipient_lock);
  std::unique_ptr<PGresult, decltype(&PQclear)> locked(PQexec(other.get(), lock.c_str()), &PQclear);
  REQUIRE(PQresultStatus(locked.get()) == PGRES_TUPLES_OK);

  const auto waited = apply(**node, {{1, {enqueue_message{"bob", "alice", 1, "must wait"}}}});
  REQUIRE_FALSE(waited[0].results.has_value());
  CHECK_THAT(waited[0].results.error(), Catch::Contains("statement timeout"));
  apply_ok(**node, {enqueue_message{"carol", "alice", 2, "not locked"}});

  std::unique_ptr<PGresult, decltype(&PQclear)> done(PQexec(other.get(), "COMMIT"), &PQclear);
  REQUIRE(PQresultStatus(done.get()) == PGRES_COMMAND_OK);
  apply_ok(**node, {enqueue_message{"bob", "alice", 3, "after the commit"}});
  const auto queued = read_page(**node, "bob", 0, 10, 1000).messages;
  REQUIRE(queued.size() == 1);
  CHECK(queued[0].text == "after the commit");
}

TEST_CASE("postgres: a killed connection fails the next apply clearly, and the one after works") {
  subject s;
  apply_ok(s.db(), {enqueue_message{"bob", "alice", 1, "before"}});
  const auto database = sql(s.conninfo, "SELECT current_database()");
  const auto admin = cluster_test::postgres_conninfo();
  CHECK(
      sql(admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" +
                     database + "' AND pid <> pg_backend_pid()") == "1");

  std::vector<store::batch> lost{{7, {enqueue_message{"bob", "alice", 2, "during"}}},
                                 {8, {store::set_blocked{"bob", "mallory", true}}}};
  const auto failed = apply(s.db(), lost);
  REQUIRE(failed.size() == 2);
  for (const auto& o : failed) {
    REQUIRE_FALSE(o.results.has_value());
    CHECK_THAT(o.results.error(), Catch::StartsWith("PostgreSQL unavailable: "));
  }
  CHECK(failed[0].ticket == 7);
  CHECK(failed[1].ticket == 8);

  apply_ok(s.db(), {enqueue_message{"bob", "alice", 3, "after"}});
  const auto queued = read_page(s.db(), "bob", 0, 10, 1000).messages;
  REQUIRE(queued.size() == 2);
  CHECK(queued[0].text == "before");
  CHECK(queued[1].text == "after");
  CHECK(load_ok(s.db(), 0).blocks.empty());
}

TEST_CASE("postgres: open_postgres with a bad conninfo or an unreachable server is a clear error") {
  store::postgres_options nowhere;
  nowhere.conninfo = "host=/nonexistent-msgapp-dir port=5432 dbname=msgapp user=msgapp";
  auto refused = store::open_postgres(nowhere);
  REQUIRE_FALSE(refused.has_value());
  CHECK_THAT(refused.error(), Catch::StartsWith("PostgreSQL unavailable: "));
  CHECK_THAT(refused.error(), Catch::Contains("/nonexistent-msgapp-dir"));

  store::postgres_options garbled;
  garbled.conninfo = "this is not a conninfo";
  auto bad = store::open_postgres(garbled);
  REQUIRE_FALSE(bad.has_value());
  CHECK_THAT(bad.error(), Catch::StartsWith("bad PostgreSQL conninfo: "));

  store::postgres_options no_db;
  no_db.conninfo = cluster_test::postgres_conninfo() + " dbname=msgapp_no_such_database";
  auto missing = store::open_postgres(no_db);
  REQUIRE_FALSE(missing.has_value());
  CHECK_THAT(missing.error(), Catch::Contains("msgapp_no_such_database"));
}

TEST_CASE("postgres: a conninfo in URI form works too (the time-outs are added to it)") {
  const auto conninfo = cluster_test::fresh_database();
  std::map<std::string, std::string> keys;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(
      PQconninfoParse(conninfo.c_str(), nullptr), &PQconninfoFree);
  REQUIRE(parsed);
  for (auto* o = parsed.get(); o->keyword != nullptr; ++o)
    if (o->val != nullptr) keys[o->keyword] = o->val;
  const auto uri = fmt::format("postgresql://{}@/{}?host={}&port={}", keys["user"], keys["dbname"],
                               keys["host"], keys["port"]);
  CAPTURE(uri);
  auto db = open_pg(uri);
  apply_ok(*db, {enqueue_message{"bob", "alice", 1, "via a URI"}});
  CHECK(read_page(*db, "bob", 0, 10, 1000).messages ==
        std::vector<stored_message>{{1, "alice", 1, "via a URI"}});
}

TEST_CASE("postgres: a database made by a newer msgapp is refused") {
  subject s;
  s.close();
  sql(s.conninfo, "UPDATE msgapp_meta SET value = '99' WHERE key = 'schema_version'");
  store::postgres_options options;
  options.conninfo = s.conninfo;
  auto refused = store::open_postgres(options);
  REQUIRE_FALSE(refused.has_value());
  CHECK_THAT(refused.error(), Catch::Contains("newer msgapp"));
}
