// What the store tests share: a temporary data directory, opening it, and one-op batches.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <msgapp/store/sqlite.hpp>

namespace store_test {

namespace fs = std::filesystem;
namespace store = msgapp::store;

// A fresh directory under the system's temporary one, removed (with everything in it) after.
class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> count{0};
    path_ = fs::temp_directory_path() /
            fmt::format("msgapp-store-test-{}-{}", ::getpid(), count.fetch_add(1));
    fs::remove_all(path_);
    fs::create_directory(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path data() const { return path_ / "data"; }  // a data_dir that does not exist yet

 private:
  fs::path path_;
};

inline store::sqlite_options on_disk(const fs::path& dir) {
  store::sqlite_options options;
  options.data_dir = dir;
  return options;
}

inline std::unique_ptr<store::backend> open_or_fail(const store::sqlite_options& options) {
  auto db = store::open_sqlite(options);
  if (!db) FAIL("open_sqlite: " << db.error());
  return std::move(*db);
}

// Applies one batch and returns its results, failing the test if it did not commit.
inline std::vector<store::op_result> apply_ok(store::backend& db,
                                              std::vector<store::operation> ops) {
  static std::uint64_t ticket = 0;
  store::batch b{++ticket, std::move(ops)};
  auto outcomes = db.apply(std::span(&b, 1));
  REQUIRE(outcomes.size() == 1);
  REQUIRE(outcomes[0].ticket == b.ticket);
  if (!outcomes[0].results) FAIL("batch failed: " << outcomes[0].results.error());
  REQUIRE(outcomes[0].results->size() == b.ops.size());
  return std::move(*outcomes[0].results);
}

inline store::page read_page(store::backend& db, std::string recipient, store::message_id after,
                             std::size_t max_messages, std::size_t max_bytes) {
  store::read_messages read{std::move(recipient), after, max_messages, max_bytes};
  auto results = apply_ok(db, {read});
  return std::get<store::page>(results[0]);
}

inline store::snapshot load_ok(store::backend& db, store::wall_ms now) {
  auto s = db.load(now);
  if (!s) FAIL("load: " << s.error());
  return std::move(*s);
}

}  // namespace store_test
