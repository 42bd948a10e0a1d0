// The client library's multiplexer over real sockets: requests from several coroutines at once,
// events flowing to another one meanwhile, dropped replies, and the end of a connection.
#include <algorithm>

#include "../support/scenario.hpp"

using namespace msgapp::test;
using namespace msgapp::net::experimental::awaitable_operators;

namespace {

using reply = msgapp::client::result<server_line>;

// Takes `n` events of kind `word`, skipping others, and returns their texts.
awaitable<std::vector<std::string>> texts_of(client& c, std::string word, int n) {
  std::vector<std::string> texts;
  while (static_cast<int>(texts.size()) < n) {
    auto e = co_await c.next_event();
    if (!e) co_return texts;
    if (e->word == word) texts.push_back(e->text);
  }
  co_return texts;
}

awaitable<std::vector<reply>> ask_all(client& c, std::vector<std::string> lines) {
  std::vector<reply> replies;
  for (auto& line : lines)
    replies.push_back(co_await c.request(std::move(line)));
  co_return replies;
}

awaitable<void> close_now(client& c) {
  c.close();
  co_return;
}

}  // namespace

TEST_CASE("requests from two coroutines at once each get their own reply, while events flow") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    auto bob = co_await s.login("bob");
    (void)co_await next_event_of(alice, "presence");  // bob logged in
    // Bob's messages reach alice while two of her coroutines wait for replies.
    for (int i = 0; i < 3; ++i) {
      const auto sent = co_await bob.request("message alice m" + std::to_string(i));
      REQUIRE(sent.has_value());
    }
    std::vector<std::string> first{"whoelse", "message bob one", "block carol"};
    std::vector<std::string> second{"message bob two", "whoelsesince 60", "unblock carol"};
    auto [events, asked, told] =
        co_await (texts_of(alice, "msg", 3) && ask_all(alice, std::move(first)) &&
                  ask_all(alice, std::move(second)));
    CHECK(events == std::vector<std::string>{"m0", "m1", "m2"});
    REQUIRE(asked.size() == 3);
    REQUIRE(told.size() == 3);
    for (const auto& r : asked)
      REQUIRE(r.has_value());
    for (const auto& r : told)
      REQUIRE(r.has_value());
    CHECK(asked[0]->text == "users bob");
    CHECK(asked[1]->text == "delivered to bob");
    CHECK(asked[2]->text == "blocked carol");
    CHECK(told[0]->text == "delivered to bob");
    CHECK(told[1]->text == "users bob");
    CHECK(told[2]->text == "unblocked carol");
    // The two coroutines' lines interleave on the wire, in whichever order they ran.
    auto at_bob = co_await texts_of(bob, "msg", 2);
    std::sort(at_bob.begin(), at_bob.end());
    CHECK(at_bob == std::vector<std::string>{"one", "two"});
  });
}

TEST_CASE("a posted line's reply is dropped, and the replies after it still match") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    CHECK_FALSE(alice.post("block bob"));
    CHECK(alice.awaited_replies() == 1);
    const auto again = co_await alice.request("block bob");
    REQUIRE(again.has_value());
    CHECK(again->code == "already-blocked");  // the first block was done, its reply dropped
    CHECK(alice.awaited_replies() == 0);
    CHECK(alice.pending_events() == 0);
  });
}

TEST_CASE("the end of a connection fails the replies awaited, then every next event") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    const reply lost = co_await (alice.request("whoelse") && close_now(alice));
    REQUIRE_FALSE(lost.has_value());
    CHECK(lost.error() == std::errc::not_connected);
    for (int i = 0; i < 2; ++i) {
      const auto after = co_await alice.next_event();
      REQUIRE_FALSE(after.has_value());
    }
    const auto refused = co_await alice.request("whoelse");
    CHECK_FALSE(refused.has_value());

    // The server going away ends it too; events that came before the end are kept.
    auto bob = co_await s.login("bob");
    s.srv.stop();
    const auto notice = co_await next_event_of(bob, "shutdown");
    CHECK(notice.text == "the server is shutting down");
    co_await expect_closed(bob);
    const auto late = co_await bob.request("whoelse");
    CHECK_FALSE(late.has_value());
  });
}

TEST_CASE("a reply continued over several lines is gathered into one, also when dropped") {
  auto cfg = test_config();
  cfg.limits.max_line = 22;  // `users bob carol`, then `ok users dave`
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto bob = co_await s.login("bob");
        auto carol = co_await s.login("carol");
        auto dave = co_await s.login("dave");
        auto alice = co_await s.login("alice");
        const auto sent = co_await bob.request("message alice before");
        REQUIRE(sent.has_value());
        // A posted whoelse (its parts and reply dropped), then two awaited ones, while an event
        // waits to be taken.
        CHECK_FALSE(alice.post("whoelse"));
        auto [first, events, second] =
            co_await (alice.request("whoelse") && texts_of(alice, "msg", 1) &&
                      alice.request("whoelsesince 60"));
        REQUIRE(first.has_value());
        REQUIRE(second.has_value());
        CHECK(first->kind == line_kind::ok);
        CHECK(first->text == "users bob carol dave");
        CHECK(second->text == "users bob carol dave");
        CHECK(events == std::vector<std::string>{"before"});
        CHECK(alice.pending_events() == 0);  // no `users` line was left over as an event
      },
      cfg);
}
