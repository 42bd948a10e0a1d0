// Scenarios over real sockets: the command rate per session (fakelag), with tiny rates.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "../support/scenario.hpp"

using namespace msgapp::test;

namespace {

// The next event that is not a presence notice (logins of the others come and go).
awaitable<server_line> next_non_presence(client& c) {
  for (;;) {
    auto e = co_await c.next_event();
    REQUIRE(e.has_value());
    if (e->word != "presence") co_return std::move(*e);
  }
}

// The presence notice that `user` logged out, skipping everything else.
awaitable<void> expect_left(client& c, std::string user) {
  for (;;) {
    const auto e = co_await next_event_of(c, "presence");
    if (e.from == user && e.text == "logged out") co_return;
  }
}

std::string lines(std::string_view command, int count) {
  std::string out;
  for (int i = 0; i < count; ++i)
    out += fmt::format("{} {}\n", command, i);
  return out;
}

}  // namespace

TEST_CASE("a flooding session is slowed, not refused: every reply comes, in order, no error") {
  auto cfg = test_config();
  cfg.command_burst = 5;
  cfg.command_rate = 20;  // 50 ms a token: the 25 broadcasts past the burst take 1.25 s
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        constexpr int flood = 30;
        auto alice = co_await s.login("alice");
        auto bob = co_await s.login("bob");
        auto carol = co_await s.login("carol");
        // All 30 in one write: without a rate, the hub would take them as one batch.
        co_await send_raw(alice, lines("broadcast a", flood));

        // Bob sees the burst go by, then speaks; held back, alice has not finished by then.
        for (int i = 0; i < 5; ++i) {
          const auto seen = co_await next_non_presence(bob);
          CHECK(seen.text == fmt::format("a {}", i));
        }
        const auto said = co_await must(bob.request("broadcast from bob"));
        CHECK(said.text == "broadcast to 2 users");

        // Carol gets alice's 30 in order, and bob's among them, before alice's last.
        int next = 0;
        bool bob_heard = false;
        while (next < flood) {
          const auto e = co_await next_non_presence(carol);
          REQUIRE(e.word == "broadcast");
          if (e.from == "bob") {
            bob_heard = true;
            continue;
          }
          CHECK(e.text == fmt::format("a {}", next));
          ++next;
        }
        CHECK(bob_heard);

        // Alice: one ok per broadcast, in order, none dropped, no error.
        for (int i = 0; i < flood;) {
          const auto r = co_await next_non_presence(alice);
          if (r.word == "broadcast") continue;  // bob's
          ++i;
          INFO(r.word << " " << r.code << " " << r.text);
          REQUIRE(r.kind == line_kind::ok);
          CHECK(r.text == "broadcast to 2 users");
        }
        // Everyone is still there.
        co_await expect_text(bob, "whoelse", "users alice carol");
        co_await expect_text(alice, "whoelse", "users bob carol");
      },
      cfg);
}

TEST_CASE("a session held back without a break past flood_cutoff is cut off, and others see it") {
  auto cfg = test_config();
  cfg.command_burst = 2;
  cfg.command_rate = 10;  // 100 ms a token: 200 commands would take 20 s
  cfg.flood_cutoff = 300ms;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto alice = co_await s.login("alice");
        auto bob = co_await s.login("bob");
        co_await send_raw(alice, lines("whoelsesince", 200));
        // Alice gets the replies the rate let through, then the reason, then the end.
        int replies = 0;
        std::string reason;
        for (;;) {
          auto e = co_await alice.next_event();
          if (!e) break;
          if (e->word == "presence") continue;
          if (e->kind == line_kind::ok) {
            CHECK(reason.empty());
            ++replies;
          } else {
            CHECK(e->code == "flooding");
            reason = e->text;
          }
        }
        CHECK(replies < 200);
        CHECK(reason ==
              "more commands than the server takes, for 300 ms without a break; disconnected");
        co_await expect_left(bob, "alice");
        co_await expect_text(bob, "whoelse", "users");
        // Only that connection went: alice may log in again.
        auto again = co_await s.login("alice");
        co_await expect_text(again, "whoelse", "users bob");
      },
      cfg);
}

TEST_CASE("a script that catches up is never cut off, however often it was held back") {
  auto cfg = test_config();
  cfg.command_burst = 3;
  cfg.command_rate = 100;
  cfg.flood_cutoff = 400ms;  // less than the rounds take together
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto alice = co_await s.login("alice");
        // Bursts of 8 (held back about 50 ms each), each answered in full before the next.
        for (int round = 0; round < 8; ++round) {
          co_await send_raw(alice, lines("whoelsesince", 8));
          for (int i = 0; i < 8; ++i) {
            const auto r = co_await next_non_presence(alice);
            REQUIRE(r.kind == line_kind::ok);
          }
          co_await sleep_for(60ms);  // caught up: nothing waits while tokens return
        }
        co_await expect_text(alice, "whoelse", "users");
      },
      cfg);
}

TEST_CASE("a paused session still gets the shutdown notice, and the server stops promptly") {
  // Each of 19 others costs a token at 1 a second: one broadcast pauses its sender for 20 s,
  // four times the scenario's whole time limit.
  auto cfg = test_config();
  cfg.command_burst = 1;
  cfg.command_rate = 1;
  cfg.broadcast_recipients_per_token = 1;
  server::credentials accounts;
  for (int i = 0; i < 20; ++i)
    accounts.emplace(fmt::format("u{}", i), fmt::format("u{}-pw", i));
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        std::vector<client> others;
        for (int i = 1; i < 20; ++i)
          others.push_back(co_await s.login(fmt::format("u{}", i)));
        auto flooder = co_await s.login("u0");
        co_await send_raw(flooder, "broadcast one\nbroadcast two\n");
        const auto sent = co_await next_non_presence(flooder);
        CHECK(sent.text == "broadcast to 19 users");
        const auto heard = co_await next_non_presence(others.front());
        CHECK(heard.text == "one");

        s.srv.stop();
        const auto notice = co_await next_non_presence(flooder);
        CHECK(notice.word == "shutdown");
        co_await expect_closed(flooder);
      },
      cfg, accounts, 5s);
}
