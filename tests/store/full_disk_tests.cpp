// A full disk (a bounded file): the batch that does not fit fails alone, with an error naming
// the file; nothing stored before it is lost, and reads go on working.
#include <string>

#include "store_support.hpp"

namespace {

using namespace store_test;

store::outcome apply_one(store::backend& db, std::uint64_t ticket,
                         std::vector<store::operation> ops) {
  store::batch b{ticket, std::move(ops)};
  auto outcomes = db.apply(std::span(&b, 1));
  REQUIRE(outcomes.size() == 1);
  return std::move(outcomes[0]);
}

}  // namespace

TEST_CASE("store: when the file is full, a write fails alone and nothing stored is lost") {
  temp_dir dir;
  auto options = on_disk(dir.data());
  options.max_file_bytes = 256 * 1024;
  auto db = open_or_fail(options);
  const std::string text(2000, 'm');

  // Fill it: each batch is one message, until one does not fit.
  std::uint64_t stored = 0;
  std::string why;
  for (std::uint64_t ticket = 1; ticket <= 1000 && why.empty(); ++ticket) {
    auto o = apply_one(*db, ticket, {store::enqueue_message{"bob", "alice", 1, text}});
    if (o.results)
      ++stored;
    else
      why = o.results.error();
  }
  REQUIRE_FALSE(why.empty());
  CHECK_THAT(why, Catch::Contains((dir.data() / "msgapp.db").string()));
  CHECK_THAT(why, Catch::Contains("full"));
  CHECK(stored > 10);

  // In one group: the batches that fit commit, the one that does not fails alone, and none
  // of its ops is applied (the small message before the big one is rolled back with it).
  std::vector<store::batch> group;
  group.push_back({2001, {store::set_blocked{"alice", "mallory", true}}});
  group.push_back({2002,
                   {store::enqueue_message{"carol", "alice", 2, "small"},
                    store::enqueue_message{"carol", "alice", 2, std::string(1 << 20, 'x')}}});
  group.push_back({2003, {store::set_blocked{"bob", "mallory", true}}});
  auto outcomes = db->apply(group);
  REQUIRE(outcomes.size() == 3);
  CHECK(outcomes[0].ticket == 2001);
  CHECK(outcomes[0].results.has_value());
  CHECK_FALSE(outcomes[1].results.has_value());
  CHECK(outcomes[2].results.has_value());

  // Reads still work, on everything committed.
  CHECK(read_page(*db, "bob", 0, 2000, 100'000'000).messages.size() == stored);
  CHECK(read_page(*db, "carol", 0, 10, 1000).messages.empty());

  // And it all survives a reopen without the bound.
  db.reset();
  db = open_or_fail(on_disk(dir.data()));
  const auto loaded = load_ok(*db, 0);
  REQUIRE(loaded.queues.size() == 1);
  CHECK(loaded.queues[0].recipient == "bob");
  CHECK(loaded.queues[0].messages == stored);
  CHECK(loaded.blocks.size() == 2);
  apply_ok(*db, {store::enqueue_message{"carol", "alice", 3, std::string(1 << 20, 'x')}});
}
