// Scenarios over real sockets: how the server brokers private sessions (tokens, addresses)
// without ever carrying them. The client side is tested in tests/client.
#include <regex>

#include "../support/scenario.hpp"

using namespace msgapp::test;

TEST_CASE("startprivate is refused for unknown, self, offline, blocking and deaf users") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    auto bob = co_await s.login("bob");
    auto carol = co_await s.login("carol");
    const auto port = co_await must(carol.request("privateport 4100"));
    CHECK(port.text == "private sessions on port 4100");
    const auto blocks = co_await must(carol.request("block alice"));
    REQUIRE(blocks.kind == line_kind::ok);

    struct refusal {
      const char* line;
      const char* code;
    };
    const refusal refusals[] = {
        {"startprivate zed", "unknown-user"},
        {"startprivate alice", "self"},
        {"startprivate dave", "offline"},
        {"startprivate carol", "blocked"},
        {"startprivate bob", "unavailable"},  // bob's client never sent privateport
        {"startprivate", "usage"},
        {"privateport 0", "usage"},
        {"privateport 70000", "usage"},
        {"private bob hi", "bad-command"},  // msgclient's own commands are unknown here
        {"stopprivate", "bad-command"},
    };
    for (const auto& r : refusals) {
      const auto reply = co_await must(alice.request(r.line));
      INFO(r.line);
      CHECK(reply.code == r.code);
    }
  });
}

TEST_CASE("the peer gets its token before the asker gets the address") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    auto bob = co_await s.login("bob");
    (void)co_await must(bob.request("privateport 4242"));
    const auto asked = co_await must(alice.request("startprivate bob"));
    CHECK(asked.text == "private session with bob requested");

    const auto offer = co_await next_event_of(bob, "private-offer");
    CHECK(offer.from == "alice");
    const std::string token = offer.text;
    CHECK(std::regex_match(token, std::regex("[0-9a-f]{32}")));
    // Nothing reaches alice until bob accepts (bob's login notice is all she has).
    (void)co_await must(alice.request("whoelse"));
    const auto before_accept = co_await kept_event_words(alice);
    CHECK(before_accept == std::vector<std::string>{"presence"});

    const auto wrong = co_await must(bob.request("privateaccept alice 0123456789abcdef"));
    CHECK(wrong.code == "no-offer");
    const auto accepted = co_await must(bob.request("privateaccept alice " + token));
    CHECK(accepted.text == "private session with alice accepted");
    const auto ready = co_await next_event_of(alice, "private-ready");
    CHECK(ready.from == "bob");
    CHECK(ready.text == "127.0.0.1 4242 " + token);

    // A token works once.
    const auto replay = co_await must(bob.request("privateaccept alice " + token));
    CHECK(replay.code == "no-offer");
  });
}

TEST_CASE("a token offered to one user cannot be accepted by another") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    auto bob = co_await s.login("bob");
    auto carol = co_await s.login("carol");
    (void)co_await must(bob.request("privateport 4242"));
    (void)co_await must(alice.request("startprivate bob"));
    const auto offer = co_await next_event_of(bob, "private-offer");
    const auto stolen = co_await must(carol.request("privateaccept alice " + offer.text));
    CHECK(stolen.code == "no-offer");
    (void)co_await must(carol.request("whoelse"));
    (void)co_await must(alice.request("whoelse"));
    const auto seen = co_await kept_event_words(alice);  // bob's and carol's logins, nothing else
    CHECK(seen == std::vector<std::string>{"presence", "presence"});
  });
}

TEST_CASE("active counts as activity, without content") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto alice = co_await s.login("alice");
        co_await keep_active(alice, "active", "active", 6, 100ms);  // never timed out
      },
      timeout_config(400ms));
}
