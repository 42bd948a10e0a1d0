// The server's store, opened and read before it serves: the backend and what it held.
#pragma once

#include <memory>
#include <string>

#include <tl/expected.hpp>

#include <msgapp/store/backend.hpp>
#include <msgapp/store/postgres.hpp>
#include <msgapp/store/sqlite.hpp>

namespace msgapp::server {

struct storage {
  std::unique_ptr<store::backend> db;
  store::snapshot loaded;  // read at open; users online at a crash count as seen until now
};

// Opens the SQLite store (a data directory, or memory) and reads its snapshot. Errors name
// the path and say what is wrong; nothing is changed on the way out.
tl::expected<storage, std::string> open_storage(const store::sqlite_options& options);
// Cluster mode: the shared PostgreSQL database (no local directory).
tl::expected<storage, std::string> open_storage(const store::postgres_options& options);

}  // namespace msgapp::server
