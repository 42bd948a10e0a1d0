// Scenarios over real sockets: greeting, logging in, name blocking, time-outs, presence.
#include <regex>

#include "../support/scenario.hpp"

using namespace msgapp::test;

namespace {
bool is_time(const std::string& t) {
  static const std::regex format(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  return std::regex_match(t, format);
}
}  // namespace

TEST_CASE("the server greets with the protocol name and version") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto raw = co_await client::connect("127.0.0.1", s.port);
    REQUIRE(raw.has_value());  // connect() has read and checked `hello msgapp 1`
    auto c = co_await s.connect();
    auto reply = co_await c.request("whoelse");
    REQUIRE(reply);
    CHECK(reply->kind == line_kind::error);
    CHECK(reply->code == "not-logged-in");
  });
}

TEST_CASE("unknown users and wrong passwords get an error and may try again") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto c = co_await s.connect();
    auto unknown = co_await c.login("zed", "whatever");
    REQUIRE(unknown);
    CHECK(unknown->code == "unknown-user");
    auto wrong = co_await c.login("alice", "nope");
    REQUIRE(wrong);
    CHECK(wrong->code == "wrong-password");
    CHECK(wrong->text == "wrong password; 2 attempts left");
    auto right = co_await c.login("alice", "alice-pw");
    REQUIRE(right);
    CHECK(right->kind == line_kind::ok);
    CHECK(right->text == "welcome alice");
  });
}

TEST_CASE("a third wrong password blocks the name, even from another connection") {
  auto cfg = test_config();
  cfg.block_duration = 400ms;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto c = co_await s.connect();
        for (int i = 0; i < 2; ++i) {
          auto r = co_await c.login("bob", "wrong");
          REQUIRE(r);
          CHECK(r->code == "wrong-password");
        }
        auto third = co_await c.login("bob", "wrong");
        REQUIRE(third);
        CHECK(third->code == "login-blocked");
        CHECK(third->text.find("blocked") != std::string::npos);
        co_await expect_closed(c);

        // The right password, from a second connection, while the name is blocked.
        auto other = co_await s.connect();
        auto still = co_await other.login("bob", "bob-pw");
        REQUIRE(still);
        CHECK(still->code == "login-blocked");
        co_await expect_closed(other);

        // Other names are not affected.
        auto alice = co_await s.login("alice");

        // After block_duration the name works again.
        co_await sleep_for(450ms);
        auto later = co_await s.connect();
        auto ok = co_await later.login("bob", "bob-pw");
        REQUIRE(ok);
        CHECK(ok->kind == line_kind::ok);
      },
      cfg);
}

TEST_CASE("a user already online cannot log in again") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto first = co_await s.login("carol");
    auto second = co_await s.connect();
    auto reply = co_await second.login("carol", "carol-pw");
    REQUIRE(reply);
    CHECK(reply->code == "already-online");
    CHECK(reply->text.find("already") != std::string::npos);
    // The first session is untouched.
    auto who = co_await first.request("whoelse");
    REQUIRE(who);
    CHECK(who->kind == line_kind::ok);
  });
}

TEST_CASE("login and logout are announced to the others, with the time") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    auto bob = co_await s.login("bob");
    auto in = co_await alice.next_event();
    REQUIRE(in);
    CHECK(in->word == "presence");
    CHECK(in->from == "bob");
    CHECK(in->text == "logged in");
    CHECK(is_time(in->time));

    auto bye = co_await bob.request("logout");
    REQUIRE(bye);
    CHECK(bye->kind == line_kind::ok);
    CHECK(bye->text == "goodbye bob");
    co_await expect_closed(bob);
    auto out = co_await alice.next_event();
    REQUIRE(out);
    CHECK(out->word == "presence");
    CHECK(out->from == "bob");
    CHECK(out->text == "logged out");
  });
}

TEST_CASE("presence is not sent to users the subject has blocked") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto bob = co_await s.login("bob");
    auto carol = co_await s.login("carol");
    (void)co_await next_event_of(bob, "presence");  // carol logged in
    auto alice = co_await s.login("alice");
    auto blocked = co_await alice.request("block bob");
    REQUIRE(blocked);
    CHECK(blocked->text == "blocked bob");
    (void)co_await next_event_of(bob, "presence");    // alice logged in (before the block)
    (void)co_await next_event_of(carol, "presence");  // alice logged in
    alice.close();                                    // a dropped connection, not a logout
    auto gone = co_await next_event_of(carol, "presence");
    CHECK(gone.from == "alice");
    CHECK(gone.text == "logged out");
    // bob heard nothing: his next line is the reply to a request sent after carol's notice.
    auto who = co_await bob.request("whoelse");
    REQUIRE(who);
    CHECK(who->text == "users carol");
    CHECK(bob.pending_events() == 0);

    // Logging in again while bob is still blocked: bob is not told either.
    auto alice2 = co_await s.login("alice");
    auto seen = co_await next_event_of(carol, "presence");
    CHECK(seen.text == "logged in");
    auto who2 = co_await bob.request("whoelse");
    REQUIRE(who2);
    CHECK(bob.pending_events() == 0);
  });
}

TEST_CASE("an idle user is timed out, logged out and announced") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto idle = co_await s.login("dave");
        // The watcher logs in half a time-out later, so its own time-out comes well after.
        co_await sleep_for(150ms);
        auto watcher = co_await s.login("carol");
        co_await expect_timed_out(idle, "timed out");
        auto gone = co_await next_event_of(watcher, "presence");
        CHECK(gone.from == "dave");
        CHECK(gone.text == "logged out");
      },
      timeout_config(300ms));
}

TEST_CASE("commands keep a user from timing out; silence does not") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto busy = co_await s.login("alice");
        // 6 x 100 ms = 600 ms, longer than the time-out.
        co_await keep_active(busy, "whoelse", "users", 6, 100ms);
        // Then silence: the time-out comes, counted from the last command.
        co_await expect_timed_out(busy, "without a command");
      },
      timeout_config(400ms));
}

TEST_CASE("a connection that never logs in is timed out too") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto lurker = co_await s.connect();
        co_await expect_timed_out(lurker, "without logging in");
      },
      timeout_config(200ms));
}

TEST_CASE("an idle user is warned once before the time-out; a command starts a new idle period") {
  auto cfg = timeout_config(400ms);
  cfg.idle_warning = 200ms;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto alice = co_await s.login("alice");
        auto warned = co_await alice.next_event();
        REQUIRE(warned);
        CHECK(warned->word == "idle-warning");
        CHECK(warned->text ==
              "1 you will be signed off in 1 s for inactivity unless you send a command");
        CHECK(warned->text.find("timed out") == std::string::npos);
        CHECK(warned->text.find("logged out") == std::string::npos);
        co_await expect_text(alice, "whoelse", "users");
        auto again = co_await alice.next_event();
        REQUIRE(again);
        CHECK(again->word == "idle-warning");
        auto notice = co_await alice.next_event();  // and no second warning before the end
        REQUIRE(notice);
        CHECK(notice->word == "timeout");
        co_await expect_closed(alice);
      },
      cfg);
}
