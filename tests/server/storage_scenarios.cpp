// Scenarios over real sockets with the store on disk: a full database while running, and a
// long offline queue delivered in pages.
#include <filesystem>

#include "../support/scenario.hpp"
#include "../support/temp_dir.hpp"

using namespace msgapp::test;
namespace fs = std::filesystem;

namespace {

std::function<server::storage()> on_disk(const fs::path& dir, std::uint64_t max_file_bytes = 0) {
  return [dir, max_file_bytes] {
    msgapp::store::sqlite_options o;
    o.data_dir = dir;
    o.max_file_bytes = max_file_bytes;
    auto s = server::open_storage(o);
    REQUIRE(s.has_value());
    return std::move(*s);
  };
}

}  // namespace

TEST_CASE("a full database refuses new messages with not-saved and loses none it took") {
  const temp_dir dir("msgapp-scenario");
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto alice = co_await s.login("alice");
        const std::string filler(1500, 'x');
        int queued = 0;
        bool refused = false;
        for (int i = 0; i < 1000 && !refused; ++i) {
          auto r = co_await alice.request("message bob " + std::to_string(i) + " " + filler);
          REQUIRE(r);
          if (r->kind == line_kind::ok) {
            CHECK(r->text == "queued for bob (offline)");
            ++queued;
          } else {
            CHECK(r->code == "not-saved");
            refused = true;
          }
        }
        REQUIRE(refused);  // the file bound was reached
        REQUIRE(queued > 10);
        // The session goes on, and so does everyone else's.
        auto who = co_await alice.request("whoelse");
        REQUIRE(who);
        CHECK(who->text == "users");

        auto bob = co_await s.login("bob");
        for (int i = 0; i < queued; ++i) {
          auto e = co_await next_event_of(bob, "offline");
          CHECK(e.text == std::to_string(i) + " " + filler);
        }
        auto none = co_await bob.request("whoelse");  // nothing else was queued
        REQUIRE(none);
        CHECK(none->text == "users alice");
        CHECK(bob.pending_events() == 0);
      },
      test_config(), test_accounts(), 20s, on_disk(dir.path(), 256 * 1024));
}

TEST_CASE("a long offline queue arrives whole, in order, a page at a time") {
  const temp_dir dir("msgapp-scenario");
  auto cfg = test_config();
  cfg.page_messages = 7;  // many pages, and a last one that is not full
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto alice = co_await s.login("alice");
        constexpr int count = 500;
        for (int i = 0; i < count; ++i)
          alice.post("message carol n" + std::to_string(i));
        auto sync = co_await alice.request("whoelse");  // replies come in order: all queued
        REQUIRE(sync);
        auto carol = co_await s.connect();
        auto receipts = co_await carol.request("receipts");
        REQUIRE(receipts);
        CHECK(receipts->text.rfind("receipts ", 0) == 0);
        auto welcome = co_await carol.login("carol", "carol-pw");
        REQUIRE(welcome);
        CHECK(welcome->text == "welcome carol");
        std::uint64_t last_id = 0;
        for (int i = 0; i < count; ++i) {
          auto e = co_await next_event_of(carol, "stored");
          const auto space = e.text.find(' ');
          const auto id = std::stoull(e.text.substr(0, space));
          CHECK(id > last_id);
          last_id = id;
          CHECK(e.text.substr(space + 1) == "n" + std::to_string(i));
        }
        auto confirmed = co_await carol.request("confirm " + std::to_string(last_id));
        REQUIRE(confirmed);
        CHECK(confirmed->text == "confirmed " + std::to_string(last_id));
      },
      cfg, test_accounts(), 20s, on_disk(dir.path()));
}
