// Scenarios over real sockets: message, offline queues, broadcast, whoelse(since), block.
#include <algorithm>
#include <vector>

#include "../support/scenario.hpp"

using namespace msgapp::test;

TEST_CASE("a message arrives with its sender, its time and the whole text") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    auto bob = co_await s.login("bob");
    co_await expect_text(alice, "message bob  hi  there, ünïcode ✓ ", "delivered to bob");
    auto got = co_await next_event_of(bob, "msg");
    CHECK(got.from == "alice");
    CHECK(got.text == "hi  there, ünïcode ✓ ");
    CHECK(got.time.size() == 20);
  });
}

TEST_CASE("messages to offline users are queued and delivered at login, oldest first") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    for (const auto* text : {"first", "second", "third"}) {
      auto r = co_await alice.request(std::string("message carol ") + text);
      REQUIRE(r);
      CHECK(r->text == "queued for carol (offline)");
    }
    auto carol = co_await s.connect();
    auto welcome = co_await carol.login("carol", "carol-pw");
    REQUIRE(welcome);
    CHECK(welcome->text == "welcome carol");
    for (const auto* text : {"first", "second", "third"}) {
      auto e = co_await carol.next_event();
      REQUIRE(e);
      CHECK(e->word == "offline");
      CHECK(e->from == "alice");
      CHECK(e->text == text);
      CHECK(e->time.size() == 20);
    }
    // Delivered once: a later login finds the queue empty.
    auto bye = co_await carol.request("logout");
    REQUIRE(bye);
    auto again = co_await s.login("carol");
    auto who = co_await again.request("whoelse");
    REQUIRE(who);
    CHECK(again.pending_events() == 0);
  });
}

TEST_CASE("message refusals: unknown user, self, and a recipient who blocked you") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    auto bob = co_await s.login("bob");
    co_await expect_code(alice, "message zed hi", "unknown-user");
    co_await expect_code(alice, "message alice hi", "self");

    auto blocked = co_await bob.request("block alice");
    REQUIRE(blocked);
    auto refused = co_await alice.request("message bob are you there");
    REQUIRE(refused);
    CHECK(refused->kind == line_kind::error);
    CHECK(refused->text.find("blocked") != std::string::npos);
    // Nothing was delivered now, and nothing is queued for later either.
    auto bye = co_await bob.request("logout");
    REQUIRE(bye);
    co_await expect_code(alice, "message bob later then", "blocked");
    auto bob2 = co_await s.login("bob");
    auto who = co_await bob2.request("whoelse");
    REQUIRE(who);
    CHECK(bob2.pending_events() == 0);

    co_await expect_text(bob2, "unblock alice", "unblocked alice");
    co_await expect_text(alice, "message bob welcome back", "delivered to bob");
  });
}

TEST_CASE("broadcast reaches every other online user who has not blocked the sender") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    auto bob = co_await s.login("bob");
    auto carol = co_await s.login("carol");
    auto all = co_await alice.request("broadcast hello all");
    REQUIRE(all);
    CHECK(all->text == "broadcast to 2 users");
    const auto broadcast_at_bob = co_await next_event_of(bob, "broadcast");
    CHECK(broadcast_at_bob.text == "hello all");
    auto at_carol = co_await next_event_of(carol, "broadcast");
    CHECK(at_carol.from == "alice");
    CHECK(at_carol.text == "hello all");

    auto block = co_await carol.request("block alice");
    REQUIRE(block);
    co_await expect_text(alice, "broadcast second",
                         "broadcast to 1 user; some recipients did not get it");
    const auto second_at_bob = co_await next_event_of(bob, "broadcast");
    CHECK(second_at_bob.text == "second");
    auto check = co_await carol.request("whoelse");
    REQUIRE(check);
    CHECK(carol.pending_events() == 0);  // carol got no broadcast
    // The sender never gets its own broadcast.
    auto mine = co_await alice.request("whoelse");
    REQUIRE(mine);
    while (alice.pending_events() > 0) {
      auto e = co_await alice.next_event();
      REQUIRE(e);
      CHECK(e->word != "broadcast");
    }
  });
}

TEST_CASE("whoelse lists the others online, minus those who blocked the asker") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    co_await expect_text(alice, "whoelse", "users");
    auto bob = co_await s.login("bob");
    auto carol = co_await s.login("carol");
    co_await expect_text(alice, "whoelse", "users bob carol");
    auto block = co_await carol.request("block alice");
    REQUIRE(block);
    co_await expect_text(alice, "whoelse", "users bob");
    co_await expect_code(alice, "whoelse now", "usage");
  });
}

TEST_CASE("whoelsesince includes users online recently and now, not self or blockers") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    {
      auto bob = co_await s.login("bob");
      auto bye = co_await bob.request("logout");
      REQUIRE(bye);
    }
    auto carol = co_await s.login("carol");
    auto dave = co_await s.login("dave");
    auto block = co_await dave.request("block alice");
    REQUIRE(block);

    auto recent = co_await alice.request("whoelsesince 60");
    REQUIRE(recent);
    CHECK(recent->text == "users bob carol");  // not alice herself, not dave (blocks her)
    co_await expect_text(alice, "whoelsesince 0", "users carol");
    for (const auto* bad : {"whoelsesince", "whoelsesince -5", "whoelsesince 1.5",
                            "whoelsesince ten", "whoelsesince 5 6"}) {
      auto r = co_await alice.request(bad);
      REQUIRE(r);
      CHECK(r->code == "usage");
    }
  });
}

TEST_CASE("block and unblock are confirmed, and refused when they make no sense") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    struct step {
      const char* line;
      const char* word;
      const char* text_or_code;
    };
    const step steps[] = {
        {"block bob", "ok", "blocked bob"},
        {"block bob", "error", "already-blocked"},
        {"block alice", "error", "self"},
        {"block zed", "error", "unknown-user"},
        {"unblock bob", "ok", "unblocked bob"},
        {"unblock bob", "error", "not-blocked"},
        {"unblock alice", "error", "self"},
        {"unblock zed", "error", "unknown-user"},
        {"block", "error", "usage"},
        {"block bob carol", "error", "usage"},
    };
    for (const auto& st : steps) {
      auto r = co_await alice.request(st.line);
      REQUIRE(r);
      INFO(st.line);
      CHECK(r->word == st.word);
      CHECK((r->kind == line_kind::ok ? r->text : r->code) == st.text_or_code);
    }
  });
}

// 400 names of the longest length: 13 KB of names, four lines.
TEST_CASE("whoelse with many long names: parts within the line limit, gathered by the client") {
  auto accounts = test_accounts();
  std::vector<std::string> names;
  for (int i = 0; i < 400; ++i) {
    auto n = std::to_string(i);
    names.push_back(std::string(32 - n.size() - 1, 'u') + "_" + n);
    accounts.emplace(names.back(), names.back() + "-pw");
  }
  std::sort(names.begin(), names.end());
  auto cfg = test_config();
  cfg.timeout = 0ms;  // logging in 400 users may take longer than the idle time-out
  run_scenario(
      [names](scenario_context& s) -> awaitable<void> {
        std::vector<client> online;
        for (const auto& n : names)
          online.push_back(co_await s.login(n));
        auto alice = co_await s.login("alice");
        std::string all = "users";
        for (const auto& n : names)
          all += " " + n;
        co_await expect_text(alice, "whoelse", all);
        co_await expect_text(alice, "whoelsesince 60", all);
        CHECK(alice.pending_events() == 0);  // the parts were taken into the reply

        // On the wire: `users ...` lines, each within the limit, then the reply.
        auto raw = co_await s.login("bob");
        REQUIRE_FALSE(co_await raw.send_line("whoelse"));
        std::string seen = "users";
        int parts = 0;
        for (;;) {
          auto line = co_await raw.read_line();
          REQUIRE(line.has_value());
          CHECK(line->word.size() + 1 + line->text.size() + 1 <= 4096);
          if (line->kind == line_kind::ok) {
            seen += line->text.substr(std::string("users").size());
            break;
          }
          REQUIRE(line->word == "users");
          ++parts;
          seen += " " + line->text;
        }
        CHECK(parts >= 3);
        CHECK(seen == "users alice" + all.substr(std::string("users").size()));
      },
      cfg, accounts, 30s);
}

TEST_CASE("blocks lists whom you have blocked, and survives a new login") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    co_await expect_text(alice, "blocks", "users");
    co_await expect_text(alice, "block carol", "blocked carol");
    co_await expect_text(alice, "block bob", "blocked bob");
    co_await expect_text(alice, "blocks", "users bob carol");
    co_await expect_code(alice, "blocks bob", "usage");
    co_await expect_text(alice, "logout", "goodbye alice");
    auto again = co_await s.login("alice");
    co_await expect_text(again, "unblock carol", "unblocked carol");
    co_await expect_text(again, "blocks", "users bob");
  });
}
