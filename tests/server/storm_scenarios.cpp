// Scenarios over real sockets: a storm of logins (presence), and output while the hub is busy.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "../support/scenario.hpp"

using namespace msgapp::test;

namespace {

constexpr std::size_t storm_logins = 50;
constexpr std::size_t flooders = 3;
constexpr std::size_t flood = 3000;  // commands each flooder pipelines
constexpr int round_trips = 20;

std::string storm_user(std::size_t i) {
  return fmt::format("u{}", i);
}

server::credentials storm_accounts(std::size_t n) {
  server::credentials accounts = test_accounts();
  for (std::size_t i = 0; i < n; ++i)
    accounts.emplace(storm_user(i), fmt::format("u{}-pw", i));
  return accounts;
}

// The next line that is not a reply to a pipelined `whoelse` (those are counted).
awaitable<server_line> next_non_reply(client& c, std::size_t& replies) {
  for (;;) {
    auto line = co_await c.read_line();
    REQUIRE(line.has_value());
    if (line->kind != line_kind::ok) co_return std::move(*line);
    ++replies;
  }
}

}  // namespace

TEST_CASE("under a storm of logins each earlier user hears of every later one once, in order") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        const std::size_t n = storm_logins;
        std::vector<client> clients;
        for (std::size_t i = 0; i < n; ++i)
          clients.push_back(co_await s.connect());
        // Every login is sent before any reply is read: the hub's inbox fills, so several
        // logins share a turn and their presence lines leave together.
        for (std::size_t i = 0; i < n; ++i) {
          const auto sent = co_await clients[i].send_line(fmt::format("login u{} u{}-pw", i, i));
          REQUIRE_FALSE(sent);
        }
        for (std::size_t i = 0; i < n; ++i) {
          auto welcome = co_await clients[i].read_line();
          REQUIRE(welcome.has_value());
          INFO(welcome->text);
          REQUIRE(welcome->kind == line_kind::ok);  // no presence comes before one's own login
          CHECK(welcome->text == fmt::format("welcome u{}", i));
        }
        // One last login marks the end of each user's presence lines.
        auto last = co_await s.login("alice");

        std::vector<std::vector<std::string>> heard(n);
        for (std::size_t i = 0; i < n; ++i) {
          for (;;) {
            auto e = co_await clients[i].next_event();
            REQUIRE(e.has_value());
            INFO(storm_user(i) << " got: " << e->word << " " << e->code << " " << e->text);
            REQUIRE(e->word == "presence");
            CHECK(e->text == "logged in");
            if (e->from == "alice") break;
            heard[i].push_back(e->from);
          }
        }
        // The server took the logins in some order; whoever it took k-th heard exactly the
        // names it took after, once each and in that order.
        std::vector<std::size_t> order(n);
        for (std::size_t i = 0; i < n; ++i) {
          REQUIRE(heard[i].size() < n);
          order[n - 1 - heard[i].size()] = i;  // two users with one count fail below
        }
        std::vector<std::string> names;
        for (const auto i : order)
          names.push_back(storm_user(i));
        for (std::size_t k = 0; k < n; ++k) {
          const std::vector<std::string> later(names.begin() + static_cast<std::ptrdiff_t>(k) + 1,
                                               names.end());
          INFO("user " << names[k] << ", taken " << k);
          CHECK(heard[order[k]] == later);
        }
      },
      test_config(), storm_accounts(storm_logins));
}

TEST_CASE("while the hub's inbox stays busy, output still leaves within the turn bound") {
  auto cfg = test_config();
  cfg.max_batch = 1;          // every pipelined command is a request of its own
  cfg.hub_turn_requests = 2;  // a line waits for one later request at most
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto alice = co_await s.login("alice");
        std::vector<client> flood_clients;
        for (std::size_t f = 0; f < flooders; ++f)
          flood_clients.push_back(co_await s.login(storm_user(f)));
        auto skip = std::vector<std::size_t>(flooders, 0);
        for (std::size_t f = 0; f < flooders; ++f) {
          // alice heard of each flooder's login; the flooders of those after them.
          (void)co_await next_event_of(alice, "presence");
          for (std::size_t later = f + 1; later < flooders; ++later)
            (void)co_await next_event_of(flood_clients[f], "presence");
        }
        std::string commands;
        for (std::size_t i = 0; i < flood; ++i)
          commands.append(fmt::format("whoelse\n"));
        for (auto& f : flood_clients) {
          const auto sent = co_await f.send_raw(commands);
          REQUIRE_FALSE(sent);
        }

        // alice's replies come back, one round trip at a time, while the flood goes on.
        for (int i = 0; i < round_trips; ++i) {
          auto who = co_await alice.request("whoelse");
          REQUIRE(who.has_value());
          CHECK(who->kind == line_kind::ok);
        }
        auto sent = co_await alice.request(fmt::format("message {} through", storm_user(0)));
        REQUIRE(sent.has_value());
        CHECK(sent->kind == line_kind::ok);

        // The flooder got alice's message in the middle of its replies, not after them all:
        // the hub wrote it while that flooder's commands were still waiting.
        std::size_t replies = 0;
        auto message = co_await next_non_reply(flood_clients[0], replies);
        CHECK(message.word == "msg");
        CHECK(message.from == "alice");
        CHECK(message.text == "through");
        CHECK(replies < flood);
        // Nothing was lost or reordered by waiting: every command got its reply.
        for (std::size_t f = 0; f < flooders; ++f) {
          std::size_t got = f == 0 ? replies : 0;
          while (got < flood) {
            auto line = co_await flood_clients[f].read_line();
            REQUIRE(line.has_value());
            REQUIRE(line->kind == line_kind::ok);
            ++got;
          }
        }
      },
      cfg, storm_accounts(flooders));
}
