// The engines the cluster_engines fixture started (.ci/cluster engines-up): where they listen,
// and a fresh PostgreSQL database per test, so tests share no state and may run in parallel.
#pragma once

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace cluster_test {

// The fixture's directory; a test run outside ctest must set it (a broken setup throws).
inline std::string engines_dir() {
  const char* dir = std::getenv("MSGAPP_CLUSTER_ENGINES");
  if (dir == nullptr || *dir == '\0')
    throw std::runtime_error(
        "MSGAPP_CLUSTER_ENGINES is not set: run through ctest, or .ci/cluster engines-up DIR "
        "and set it to DIR");
  return dir;
}

inline std::string first_line_of(const std::string& name) {
  const auto path = engines_dir() + "/" + name;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line.empty())
    throw std::runtime_error("cannot read " + path + ": are the engines up?");
  return line;
}

// "host=DIR port=PORT dbname=msgapp user=msgapp"
inline std::string postgres_conninfo() {
  return first_line_of("postgres.conninfo");
}
// "unix:DIR/redis.sock"
inline std::string redis_url() {
  return first_line_of("redis.url");
}

// Creates an empty database with a name no other test (or process) uses, and returns a full
// conninfo for it (libpq takes the last dbname given).
inline std::string fresh_database() {
  static std::atomic<unsigned> count{0};
  static const unsigned salt = std::random_device{}();
  const auto name =
      fmt::format("msgapp_test_{}_{:08x}_{}", static_cast<long>(::getpid()), salt, ++count);
  const auto admin = postgres_conninfo();
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(admin.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error(
        fmt::format("cannot connect to {}: {}", admin, PQerrorMessage(conn.get())));
  std::unique_ptr<PGresult, decltype(&PQclear)> made(
      PQexec(conn.get(), fmt::format("CREATE DATABASE {}", name).c_str()), &PQclear);
  if (PQresultStatus(made.get()) != PGRES_COMMAND_OK)
    throw std::runtime_error(
        fmt::format("CREATE DATABASE {}: {}", name, PQerrorMessage(conn.get())));
  return fmt::format("{} dbname={}", admin, name);
}

}  // namespace cluster_test
