// The fixture itself: the engines are up, and every fresh database is a new, empty one.
#include <filesystem>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "engines.hpp"

namespace {

std::string first_value(const std::string& conninfo, const char* statement) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), statement), &PQclear);
  REQUIRE(PQresultStatus(r.get()) == PGRES_TUPLES_OK);
  REQUIRE(PQntuples(r.get()) == 1);
  return PQgetvalue(r.get(), 0, 0);
}

}  // namespace

TEST_CASE("engines: each fresh database is a distinct, empty database on the fixture's server") {
  const auto a = cluster_test::fresh_database();
  const auto b = cluster_test::fresh_database();
  const auto name_a = first_value(a, "SELECT current_database()");
  const auto name_b = first_value(b, "SELECT current_database()");
  CHECK(name_a != name_b);
  CHECK(name_a != "msgapp");
  CHECK(first_value(a, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0");
  CHECK(first_value(cluster_test::postgres_conninfo(), "SELECT current_database()") == "msgapp");
}

TEST_CASE("engines: Redis listens on the unix socket the fixture names") {
  const auto url = cluster_test::redis_url();
  REQUIRE(url.rfind("unix:", 0) == 0);
  CHECK(std::filesystem::is_socket(url.substr(5)));
}
