// Logins of accounts with Argon2id hashes, over real sockets: the checks run on the password
// pool, and the hub decides afterwards exactly as it does for plain passwords.
#include <algorithm>

#include "../support/scenario.hpp"
#include "test_hashes.hpp"

using namespace msgapp::test;

namespace {

using namespace net::experimental::awaitable_operators;

// The plain accounts of test_accounts(), and hana and hugo with hashes of `hana-pw`/`hugo-pw`.
server::credentials with_hashes(std::string hana, std::string hugo) {
  auto accounts = test_accounts();
  accounts.emplace("hana", hana);
  accounts.emplace("hugo", hugo);
  return accounts;
}

// The reply to a login, noting in `order` who was answered when.
awaitable<server_line> log_in_noting(client* c, std::string user, std::string password,
                                     std::vector<std::string>* order) {
  auto reply = co_await must(c->login(user, std::move(password)));
  order->push_back(std::move(user));
  co_return reply;
}

awaitable<server_line> log_in(client* c, std::string user, std::string password) {
  co_return co_await must(c->login(std::move(user), std::move(password)));
}

}  // namespace

TEST_CASE("a hashed password logs in; a wrong one gets wrong-password and may try again") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto c = co_await s.connect();
        const auto wrong = co_await log_in(&c, "hana", "hugo-pw");
        CHECK(wrong.code == "wrong-password");
        CHECK(wrong.text == "wrong password; 2 attempts left");
        const auto right = co_await log_in(&c, "hana", "hana-pw");
        CHECK(right.kind == line_kind::ok);
        CHECK(right.text == "welcome hana");
        auto alice = co_await s.login("alice");  // plain accounts beside them still work
        const auto who = co_await must(alice.request("whoelse"));
        CHECK(who.text == "users hana");
      },
      test_config(), with_hashes(fast_hash("hana-pw"), fast_hash("hugo-pw")));
}

TEST_CASE("an interactive-strength hash (as hash-password makes it) logs in") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto c = co_await s.connect();
        const auto wrong = co_await log_in(&c, "hana", "hana-pX");
        CHECK(wrong.code == "wrong-password");
        const auto right = co_await log_in(&c, "hana", "hana-pw");
        CHECK(right.text == "welcome hana");
      },
      test_config(), with_hashes(interactive_hash("hana-pw"), fast_hash("hugo-pw")), 20s);
}

TEST_CASE("three wrong passwords against a hash block the name, even sent at once") {
  auto cfg = test_config();
  cfg.block_duration = 400ms;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        // Three connections, three wrong passwords checked side by side: the hub counts each
        // verdict as it comes, like three wrong plain passwords.
        auto a = co_await s.connect();
        auto b = co_await s.connect();
        auto c = co_await s.connect();
        auto [ra, rb, rc] =
            co_await (log_in(&a, "hana", "hugo-pw") && log_in(&b, "hana", "hugo-pw") &&
                      log_in(&c, "hana", "hugo-pw"));
        std::vector<std::string> codes{ra.code, rb.code, rc.code};
        std::sort(codes.begin(), codes.end());
        CHECK(codes ==
              std::vector<std::string>{"login-blocked", "wrong-password", "wrong-password"});

        // The right password, from a fourth connection, while the name is blocked.
        auto d = co_await s.connect();
        const auto still = co_await log_in(&d, "hana", "hana-pw");
        CHECK(still.code == "login-blocked");
        co_await expect_closed(d);

        co_await sleep_for(450ms);
        auto later = co_await s.connect();
        const auto ok = co_await log_in(&later, "hana", "hana-pw");
        CHECK(ok.text == "welcome hana");
      },
      cfg, with_hashes(fast_hash("hana-pw"), fast_hash("hugo-pw")));
}

TEST_CASE("two logins of one hashed name at once: exactly one wins, the other is already-online") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto a = co_await s.connect();
        auto b = co_await s.connect();
        auto [ra, rb] = co_await (log_in(&a, "hana", "hana-pw") && log_in(&b, "hana", "hana-pw"));
        std::vector<std::string> outcomes{ra.kind == line_kind::ok ? "ok" : ra.code,
                                          rb.kind == line_kind::ok ? "ok" : rb.code};
        std::sort(outcomes.begin(), outcomes.end());
        CHECK(outcomes == std::vector<std::string>{"already-online", "ok"});
      },
      test_config(), with_hashes(slow_hash("hana-pw"), fast_hash("hugo-pw")), 20s);
}

TEST_CASE("a full password queue refuses the login at once with login-busy, counting nothing") {
  auto cfg = test_config();
  cfg.hash_threads = 1;
  cfg.hash_queue = 0;  // one check at a time, none waiting
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto a = co_await s.connect();
        auto b = co_await s.connect();
        // Both arrive while the first is still being checked (about a second).
        auto [ra, rb] = co_await (log_in(&a, "hana", "hana-pw") && log_in(&b, "hugo", "hugo-pw"));
        const auto& busy = ra.kind == line_kind::ok ? rb : ra;
        const auto& won = ra.kind == line_kind::ok ? ra : rb;
        CHECK(won.kind == line_kind::ok);
        CHECK(busy.code == "login-busy");
        CHECK(busy.text.find("try again") != std::string::npos);

        // It was no wrong password: trying again, now that the pool is free, logs in.
        auto& again = ra.kind == line_kind::ok ? b : a;
        const std::string user = ra.kind == line_kind::ok ? "hugo" : "hana";
        const auto later = co_await log_in(&again, user, user + "-pw");
        CHECK(later.text == "welcome " + user);
      },
      cfg, with_hashes(slow_hash("hana-pw"), slow_hash("hugo-pw")), 20s);
}

TEST_CASE("plain passwords never wait behind hashes being checked") {
  auto cfg = test_config();
  cfg.hash_threads = 1;  // hana's and hugo's checks one after the other: about 2 s
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto h1 = co_await s.connect();
        auto h2 = co_await s.connect();
        auto p = co_await s.connect();
        std::vector<std::string> order;
        auto [r1, r2, rp] = co_await (log_in_noting(&h1, "hana", "hana-pw", &order) &&
                                      log_in_noting(&h2, "hugo", "hugo-pw", &order) &&
                                      log_in_noting(&p, "alice", "alice-pw", &order));
        CHECK(r1.text == "welcome hana");
        CHECK(r2.text == "welcome hugo");
        CHECK(rp.text == "welcome alice");
        REQUIRE(order.size() == 3);
        CHECK(order.front() == "alice");  // answered while the hashes were still being checked
      },
      cfg, with_hashes(slow_hash("hana-pw"), slow_hash("hugo-pw")), 20s);
}
