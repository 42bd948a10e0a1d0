// Every operation through a real SQLite database, reopened between writing and reading
// (durable), and the same operations in memory: the shared checks, then SQLite's own.
#include <string>

#include "backend_checks.hpp"

namespace {

using namespace store_test;

// A backend on a file that can be closed and opened again, or one in memory (which cannot).
struct subject : reopenable {
  explicit subject(bool memory) : in_memory(memory) { db_ = open_or_fail(options()); }
  store::sqlite_options options() const {
    store::sqlite_options o = on_disk(dir.data());
    o.in_memory = in_memory;
    return o;
  }
  store::backend& db() override { return *db_; }
  void reopen() override {
    if (in_memory) return;
    db_.reset();
    db_ = open_or_fail(options());
  }
  bool in_memory;
  temp_dir dir;
  std::unique_ptr<store::backend> db_;
};

}  // namespace

TEST_CASE("store: queued messages are read in pages, deleted with per-sender totals, and kept") {
  subject s(GENERATE(false, true));
  CAPTURE(s.in_memory);
  check_pages_totals_and_deletes(s);
}

TEST_CASE("store: a message id is never reused, even after the highest is deleted and reopened") {
  subject s(false);
  check_ids_never_reused(s);
}

TEST_CASE("store: reads see the changes before them in the same batch") {
  subject s(GENERATE(false, true));
  CAPTURE(s.in_memory);
  check_reads_see_their_batch(s);
}

TEST_CASE("store: blocks and login blocks are kept, and lifted or expired ones are not loaded") {
  subject s(GENERATE(false, true));
  CAPTURE(s.in_memory);
  check_blocks_and_login_blocks(s);
}

TEST_CASE("store: login history gives last seen, and load closes the logins a crash left open") {
  subject s(GENERATE(false, true));
  CAPTURE(s.in_memory);
  apply_ok(s.db(), {store::record_login{"alice", 100}, store::record_login{"bob", 150}});
  apply_ok(s.db(), {store::record_logout{"alice", 200}, store::record_logout{"bob", 250}});
  apply_ok(s.db(), {store::record_login{"alice", 300}});  // still online when the server "dies"
  s.reopen();
  using seen = std::vector<std::pair<std::string, store::wall_ms>>;
  CHECK(load_ok(s.db(), 1000).last_seen == seen{{"alice", 1000}, {"bob", 250}});
  CHECK(load_ok(s.db(), 2000).last_seen == seen{{"alice", 1000}, {"bob", 250}});  // closed once

  apply_ok(s.db(), {store::forget_logins_before{260}});
  s.reopen();
  CHECK(load_ok(s.db(), 3000).last_seen == seen{{"alice", 1000}});
  apply_ok(s.db(), {store::record_login{"bob", 4000}, store::record_logout{"bob", 4500}});
  CHECK(load_ok(s.db(), 5000).last_seen == seen{{"alice", 1000}, {"bob", 4500}});
}

TEST_CASE("store: a database gets a random id when it is made, and keeps it") {
  subject s(false);
  const auto id = load_ok(s.db(), 0).database_id;
  CHECK(id.size() == 32);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  s.reopen();
  CHECK(load_ok(s.db(), 0).database_id == id);
  subject other(false);
  CHECK(load_ok(other.db(), 0).database_id != id);
  subject memory(true);
  CHECK(load_ok(memory.db(), 0).database_id.size() == 32);
}
