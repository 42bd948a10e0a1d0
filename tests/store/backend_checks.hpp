// The behaviours every backend shares, as checks on a backend a test can reopen: the SQLite
// tests (backend_tests.cpp) and the PostgreSQL ones (tests/cluster) run the same checks.
#pragma once

#include <string>
#include <vector>

#include "store_support.hpp"

namespace store_test {

// A backend under test. reopen() is a server restarting on the same database (nothing, for
// one in memory).
class reopenable {
 public:
  virtual ~reopenable() = default;
  virtual store::backend& db() = 0;
  virtual void reopen() = 0;
};

inline std::vector<store::message_id> ids(const store::page& p) {
  std::vector<store::message_id> out;
  for (const auto& m : p.messages)
    out.push_back(m.id);
  return out;
}

// Queued messages are read in pages, deleted with per-sender totals, and kept.
inline void check_pages_totals_and_deletes(reopenable& s) {
  using store::enqueue_message;
  using store::page;
  using store::sender_total;
  using store::stored_message;
  apply_ok(s.db(), {enqueue_message{"bob", "alice", 1000, "one"},
                    enqueue_message{"bob", "carol", 2000, "two!"}});
  apply_ok(s.db(), {enqueue_message{"bob", "alice", 3000, "h\xc3\xa9llo"},  // 6 bytes, 5 letters
                    enqueue_message{"alice", "bob", 4000, "x"}});
  s.reopen();

  const page first = read_page(s.db(), "bob", 0, 2, 1000);
  CHECK(first.messages ==
        std::vector<stored_message>{{1, "alice", 1000, "one"}, {2, "carol", 2000, "two!"}});
  CHECK(first.more);
  const page rest = read_page(s.db(), "bob", 2, 10, 1000);
  CHECK(rest.messages == std::vector<stored_message>{{3, "alice", 3000, "h\xc3\xa9llo"}});
  CHECK_FALSE(rest.more);

  // max_bytes: as many as fit, but always at least one.
  CHECK(ids(read_page(s.db(), "bob", 0, 10, 7)) == std::vector<store::message_id>{1, 2});
  CHECK(read_page(s.db(), "bob", 0, 10, 7).more);
  CHECK(ids(read_page(s.db(), "bob", 0, 10, 6)) == std::vector<store::message_id>{1});
  CHECK(ids(read_page(s.db(), "bob", 2, 10, 1)) == std::vector<store::message_id>{3});
  CHECK_FALSE(read_page(s.db(), "bob", 2, 10, 1).more);
  CHECK(read_page(s.db(), "nobody", 0, 10, 1000) == page{});

  auto totals = load_ok(s.db(), 5000);
  CHECK(totals.queues == std::vector<store::queue_total>{{"alice", 1, 1}, {"bob", 3, 13}});
  CHECK(totals.senders ==
        std::vector<sender_total>{{"alice", 2, 9}, {"bob", 1, 1}, {"carol", 1, 4}});

  auto gone = apply_ok(s.db(), {store::delete_messages{"bob", 2}});
  CHECK(std::get<store::deleted>(gone[0]).by_sender ==
        std::vector<sender_total>{{"alice", 1, 3}, {"carol", 1, 4}});
  s.reopen();
  CHECK(ids(read_page(s.db(), "bob", 0, 10, 1000)) == std::vector<store::message_id>{3});
  CHECK(ids(read_page(s.db(), "alice", 0, 10, 1000)) == std::vector<store::message_id>{4});
  totals = load_ok(s.db(), 6000);
  CHECK(totals.queues == std::vector<store::queue_total>{{"alice", 1, 1}, {"bob", 1, 6}});
  CHECK(totals.senders == std::vector<sender_total>{{"alice", 1, 6}, {"bob", 1, 1}});
}

// A message id is never reused, even after the highest is deleted and the database reopened.
inline void check_ids_never_reused(reopenable& s) {
  using store::enqueue_message;
  apply_ok(s.db(),
           {enqueue_message{"bob", "alice", 1, "a"}, enqueue_message{"bob", "alice", 2, "b"}});
  apply_ok(s.db(), {store::delete_messages{"bob", 2}});
  s.reopen();
  apply_ok(s.db(), {enqueue_message{"bob", "alice", 3, "c"}});
  CHECK(ids(read_page(s.db(), "bob", 0, 10, 1000)) == std::vector<store::message_id>{3});
}

// Reads see the changes before them in the same batch.
inline void check_reads_see_their_batch(reopenable& s) {
  store::read_messages read{"bob", 0, 10, 1000};
  auto results = apply_ok(s.db(), {store::enqueue_message{"bob", "alice", 1, "a"}, read,
                                   store::delete_messages{"bob", 1}, read});
  CHECK(ids(std::get<store::page>(results[1])) == std::vector<store::message_id>{1});
  CHECK(std::get<store::page>(results[3]) == store::page{});
  CHECK(std::holds_alternative<store::no_result>(results[0]));
}

// Blocks and login blocks are kept, and lifted or expired ones are not loaded.
inline void check_blocks_and_login_blocks(reopenable& s) {
  apply_ok(s.db(),
           {store::set_blocked{"alice", "mallory", true},
            store::set_blocked{"bob", "mallory", true}, store::set_blocked{"alice", "bob", true},
            store::set_blocked{"alice", "mallory", true}});  // twice is once
  apply_ok(s.db(), {store::set_blocked{"alice", "bob", false},
                    store::set_blocked{"carol", "dave", false}});  // never blocked: nothing
  apply_ok(s.db(), {store::set_login_block{"mallory", 5000}, store::set_login_block{"eve", 1000},
                    store::set_login_block{"carol", 9000}, store::set_login_block{"dave", 3000}});
  apply_ok(s.db(), {store::set_login_block{"carol", 0}, store::set_login_block{"dave", 7000}});
  s.reopen();
  const auto loaded = load_ok(s.db(), 2000);
  using pair = std::pair<std::string, std::string>;
  CHECK(loaded.blocks == std::vector<pair>{{"alice", "mallory"}, {"bob", "mallory"}});
  REQUIRE(loaded.login_blocks.size() == 2);
  CHECK(loaded.login_blocks[0].user == "dave");
  CHECK(loaded.login_blocks[0].until == 7000);
  CHECK(loaded.login_blocks[1].user == "mallory");
  CHECK(loaded.login_blocks[1].until == 5000);
}

}  // namespace store_test
