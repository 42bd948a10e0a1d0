// Opening the embedded database: the directory, its lock, the file's identity, the pragmas,
// then the schema brought up to date. Each refusal is one sentence naming the path.
#include <system_error>

#include <fmt/format.h>

#include "data_dir_lock.hpp"
#include "msgapp/store/sqlite.hpp"
#include "schema.hpp"
#include "sqlite_backend.hpp"

namespace msgapp::store {

namespace {

namespace fs = std::filesystem;

// Creates the directory if it is missing (one level: a mistyped parent is an error).
tl::expected<void, std::string> prepare_dir(const fs::path& dir) {
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    return tl::unexpected(
        fmt::format("cannot use the data directory {}: {}", dir.string(), ec.message()));
  if (fs::exists(status)) {
    if (!fs::is_directory(status))
      return tl::unexpected(fmt::format("the data directory {} is not a directory", dir.string()));
    return {};
  }
  if (!fs::create_directory(dir, ec) && ec) {
    if (ec == std::errc::permission_denied)
      return tl::unexpected(fmt::format("no permission to create the data directory {}: {}",
                                        dir.string(), ec.message()));
    return tl::unexpected(
        fmt::format("cannot create the data directory {}: {}", dir.string(), ec.message()));
  }
  return {};
}

tl::expected<void, std::string> set_pragmas(sqlite::database& db, const std::string& path,
                                            const sqlite_options& options) {
  auto fail = [&](const sqlite::error& e) {
    return tl::unexpected(fmt::format("cannot configure {}: {}", path, e.message));
  };
  if (!options.in_memory) {
    // WAL: readers never block the writer, and a commit appends instead of rewriting pages.
    auto mode = db.text("PRAGMA journal_mode = WAL");
    if (!mode) return fail(mode.error());
    if (*mode != "wal")
      return tl::unexpected(
          fmt::format("cannot use write-ahead logging on {} (journal mode {})", path, *mode));
  }
  const char* sync =
      options.sync == sync_mode::full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  if (auto set = db.exec(sync); !set) return fail(set.error());
  return {};
}

// After the schema exists, so the bound is on what the server stores, not on the schema.
tl::expected<void, std::string> bound_file(sqlite::database& db, const std::string& path,
                                           std::uint64_t max_bytes) {
  if (max_bytes == 0) return {};
  auto page_size = db.integer("PRAGMA page_size");
  if (!page_size)
    return tl::unexpected(fmt::format("cannot read {}: {}", path, page_size.error().message));
  const auto pages = std::max<std::uint64_t>(1, max_bytes / static_cast<std::uint64_t>(*page_size));
  if (auto set = db.integer(fmt::format("PRAGMA max_page_count = {}", pages)); !set)
    return tl::unexpected(fmt::format("cannot bound {}: {}", path, set.error().message));
  return {};
}

}  // namespace

tl::expected<std::unique_ptr<backend>, std::string> open_sqlite(const sqlite_options& options) {
  std::optional<data_dir_lock> lock;
  std::string path = ":memory:";
  if (!options.in_memory) {
    if (auto ready = prepare_dir(options.data_dir); !ready) return tl::unexpected(ready.error());
    auto taken = data_dir_lock::take(options.data_dir);
    if (!taken) return tl::unexpected(std::move(taken.error()));
    lock.emplace(std::move(*taken));
    path = (options.data_dir / "msgapp.db").string();
  }

  auto db = sqlite::database::open(path);
  if (!db) return tl::unexpected(fmt::format("cannot open {}: {}", path, db.error().message));
  // Identity first: a refused file is never written to (not even by the journal mode).
  auto version = schema::inspect(*db, path);
  if (!version) return tl::unexpected(std::move(version.error()));
  if (auto set = set_pragmas(*db, path, options); !set) return tl::unexpected(set.error());
  if (auto migrated = schema::migrate(*db, path, *version); !migrated)
    return tl::unexpected(migrated.error());
  if (auto bounded = bound_file(*db, path, options.max_file_bytes); !bounded)
    return tl::unexpected(bounded.error());
  return sqlite_backend::make(std::move(lock), std::move(*db), std::move(path));
}

}  // namespace msgapp::store
