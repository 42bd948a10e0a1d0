// What the store tests share: a temporary data directory, opening it, and one-op batches.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <msgapp/store/sqlite.hpp>

#include "../support/temp_dir.hpp"

namespace store_test {

namespace fs = std::filesystem;
namespace store = msgapp::store;

// A test's own directory, with a data_dir in it that does not exist yet.
struct temp_dir : msgapp::test::temp_dir {
  temp_dir() : msgapp::test::temp_dir("msgapp-store-test") {}
  fs::path data() const { return path() / "data"; }
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
