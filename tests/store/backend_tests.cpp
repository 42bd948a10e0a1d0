// Every operation through a real database, reopened between writing and reading (durable),
// and the same operations in memory.
#include <string>

#include "store_support.hpp"

namespace {

using namespace store_test;
using store::enqueue_message;
using store::page;
using store::sender_total;
using store::stored_message;

// A backend on a file that can be closed and opened again, or one in memory (which cannot).
struct subject {
  explicit subject(bool memory) : in_memory(memory) { db = open_or_fail(options()); }
  store::sqlite_options options() const {
    store::sqlite_options o = on_disk(dir.data());
    o.in_memory = in_memory;
    return o;
  }
  void reopen() {
    if (in_memory) return;
    db.reset();
    db = open_or_fail(options());
  }
  bool in_memory;
  temp_dir dir;
  std::unique_ptr<store::backend> db;
};

std::vector<store::message_id> ids(const page& p) {
  std::vector<store::message_id> out;
  for (const auto& m : p.messages)
    out.push_back(m.id);
  return out;
}

}  // namespace

TEST_CASE("store: queued messages are read in pages, deleted with per-sender totals, and kept") {
  subject s(GENERATE(false, true));
  CAPTURE(s.in_memory);
  apply_ok(*s.db, {enqueue_message{"bob", "alice", 1000, "one"},
                   enqueue_message{"bob", "carol", 2000, "two!"}});
  apply_ok(*s.db, {enqueue_message{"bob", "alice", 3000, "h\xc3\xa9llo"},  // 6 bytes, 5 letters
                   enqueue_message{"alice", "bob", 4000, "x"}});
  s.reopen();

  const page first = read_page(*s.db, "bob", 0, 2, 1000);
  CHECK(first.messages ==
        std::vector<stored_message>{{1, "alice", 1000, "one"}, {2, "carol", 2000, "two!"}});
  CHECK(first.more);
  const page rest = read_page(*s.db, "bob", 2, 10, 1000);
  CHECK(rest.messages == std::vector<stored_message>{{3, "alice", 3000, "h\xc3\xa9llo"}});
  CHECK_FALSE(rest.more);

  // max_bytes: as many as fit, but always at least one.
  CHECK(ids(read_page(*s.db, "bob", 0, 10, 7)) == std::vector<store::message_id>{1, 2});
  CHECK(read_page(*s.db, "bob", 0, 10, 7).more);
  CHECK(ids(read_page(*s.db, "bob", 0, 10, 6)) == std::vector<store::message_id>{1});
  CHECK(ids(read_page(*s.db, "bob", 2, 10, 1)) == std::vector<store::message_id>{3});
  CHECK_FALSE(read_page(*s.db, "bob", 2, 10, 1).more);
  CHECK(read_page(*s.db, "nobody", 0, 10, 1000) == page{});

  auto totals = load_ok(*s.db, 5000);
  CHECK(totals.queues == std::vector<store::queue_total>{{"alice", 1, 1}, {"bob", 3, 13}});
  CHECK(totals.senders ==
        std::vector<sender_total>{{"alice", 2, 9}, {"bob", 1, 1}, {"carol", 1, 4}});

  auto gone = apply_ok(*s.db, {store::delete_messages{"bob", 2}});
  CHECK(std::get<store::deleted>(gone[0]).by_sender ==
        std::vector<sender_total>{{"alice", 1, 3}, {"carol", 1, 4}});
  s.reopen();
  CHECK(ids(read_page(*s.db, "bob", 0, 10, 1000)) == std::vector<store::message_id>{3});
  CHECK(ids(read_page(*s.db, "alice", 0, 10, 1000)) == std::vector<store::message_id>{4});
  totals = load_ok(*s.db, 6000);
  CHECK(totals.queues == std::vector<store::queue_total>{{"alice", 1, 1}, {"bob", 1, 6}});
  CHECK(totals.senders == std::vector<sender_total>{{"alice", 1, 6}, {"bob", 1, 1}});
}

TEST_CASE("store: a message id is never reused, even after the highest is deleted and reopened") {
  subject s(false);
  apply_ok(*s.db,
           {enqueue_message{"bob", "alice", 1, "a"}, enqueue_message{"bob", "alice", 2, "b"}});
  apply_ok(*s.db, {store::delete_messages{"bob", 2}});
  s.reopen();
  apply_ok(*s.db, {enqueue_message{"bob", "alice", 3, "c"}});
  CHECK(ids(read_page(*s.db, "bob", 0, 10, 1000)) == std::vector<store::message_id>{3});
}

TEST_CASE("store: reads see the changes before them in the same batch") {
  subject s(GENERATE(false, true));
  CAPTURE(s.in_memory);
  store::read_messages read{"bob", 0, 10, 1000};
  auto results = apply_ok(*s.db, {enqueue_message{"bob", "alice", 1, "a"}, read,
                                  store::delete_messages{"bob", 1}, read});
  CHECK(ids(std::get<page>(results[1])) == std::vector<store::message_id>{1});
  CHECK(std::get<page>(results[3]) == page{});
  CHECK(std::holds_alternative<store::no_result>(results[0]));
}

TEST_CASE("store: blocks and login blocks are kept, and lifted or expired ones are not loaded") {
  subject s(GENERATE(false, true));
  CAPTURE(s.in_memory);
  apply_ok(*s.db,
           {store::set_blocked{"alice", "mallory", true},
            store::set_blocked{"bob", "mallory", true}, store::set_blocked{"alice", "bob", true},
            store::set_blocked{"alice", "mallory", true}});  // twice is once
  apply_ok(*s.db, {store::set_blocked{"alice", "bob", false},
                   store::set_blocked{"carol", "dave", false}});  // never blocked: nothing
  apply_ok(*s.db, {store::set_login_block{"mallory", 5000}, store::set_login_block{"eve", 1000},
                   store::set_login_block{"carol", 9000}, store::set_login_block{"dave", 3000}});
  apply_ok(*s.db, {store::set_login_block{"carol", 0}, store::set_login_block{"dave", 7000}});
  s.reopen();
  const auto loaded = load_ok(*s.db, 2000);
  using pair = std::pair<std::string, std::string>;
  CHECK(loaded.blocks == std::vector<pair>{{"alice", "mallory"}, {"bob", "mallory"}});
  REQUIRE(loaded.login_blocks.size() == 2);
  CHECK(loaded.login_blocks[0].user == "dave");
  CHECK(loaded.login_blocks[0].until == 7000);
  CHECK(loaded.login_blocks[1].user == "mallory");
  CHECK(loaded.login_blocks[1].until == 5000);
}

TEST_CASE("store: login history gives last seen, and load closes the logins a crash left open") {
  subject s(GENERATE(false, true));
  CAPTURE(s.in_memory);
  apply_ok(*s.db, {store::record_login{"alice", 100}, store::record_login{"bob", 150}});
  apply_ok(*s.db, {store::record_logout{"alice", 200}, store::record_logout{"bob", 250}});
  apply_ok(*s.db, {store::record_login{"alice", 300}});  // still online when the server "dies"
  s.reopen();
  using seen = std::vector<std::pair<std::string, store::wall_ms>>;
  CHECK(load_ok(*s.db, 1000).last_seen == seen{{"alice", 1000}, {"bob", 250}});
  CHECK(load_ok(*s.db, 2000).last_seen == seen{{"alice", 1000}, {"bob", 250}});  // closed once

  apply_ok(*s.db, {store::forget_logins_before{260}});
  s.reopen();
  CHECK(load_ok(*s.db, 3000).last_seen == seen{{"alice", 1000}});
  apply_ok(*s.db, {store::record_login{"bob", 4000}, store::record_logout{"bob", 4500}});
  CHECK(load_ok(*s.db, 5000).last_seen == seen{{"alice", 1000}, {"bob", 4500}});
}

TEST_CASE("store: a database gets a random id when it is made, and keeps it") {
  subject s(false);
  const auto id = load_ok(*s.db, 0).database_id;
  CHECK(id.size() == 32);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  s.reopen();
  CHECK(load_ok(*s.db, 0).database_id == id);
  subject other(false);
  CHECK(load_ok(*other.db, 0).database_id != id);
  subject memory(true);
  CHECK(load_ok(*memory.db, 0).database_id.size() == 32);
}
