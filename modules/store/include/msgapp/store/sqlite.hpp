// The embedded backend: one SQLite database in a data directory, locked for one server.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "msgapp/store/backend.hpp"

namespace msgapp::store {

enum class sync_mode {
  normal,  // WAL + synchronous=NORMAL: a commit survives a crash of the process
  full,    // WAL + synchronous=FULL: a commit survives a power loss too (one fsync each)
};

struct sqlite_options {
  std::filesystem::path data_dir = "msgapp-data";  // created if missing
  bool in_memory = false;  // no directory, no file: state ends with the process
  sync_mode sync = sync_mode::normal;
  std::uint64_t max_file_bytes = 0;  // 0: no bound; else PRAGMA max_page_count (a full disk)
};

// Opens (creating or migrating forward) the database in `data_dir`, after taking an
// exclusive flock on `data_dir/lock` that dies with the process. Every failure is a clear
// sentence naming the path: not a directory, no permission, held by another server, not an
// msgapp database, a database from a newer version, a corrupt file.
tl::expected<std::unique_ptr<backend>, std::string> open_sqlite(const sqlite_options& options);

// The schema version this build writes (older ones are migrated on open).
inline constexpr int schema_version = 2;

}  // namespace msgapp::store
