// The command rate's token bucket, on a clock the test sets: exact, and nothing sleeps.
#include <catch2/catch.hpp>

#include <msgapp/server/command_budget.hpp>

using msgapp::server::command_budget;
using namespace std::chrono_literals;

namespace {
const command_budget::clock::time_point start{1000h};
}

TEST_CASE("a full bucket lets a whole burst through at once, then one token per refill step") {
  command_budget b(5, 10);  // a token every 100 ms
  CHECK(b.limited());
  CHECK(b.available(start) == 5);
  CHECK(b.wait(start) == 0ms);
  b.spend(5, start);
  CHECK(b.available(start) == 0);
  CHECK(b.wait(start) == 100ms);
  CHECK(b.available(start + 99ms) == 0);
  CHECK(b.available(start + 100ms) == 1);
  CHECK(b.wait(start + 100ms) == 0ms);
  CHECK(b.available(start + 300ms) == 3);
}

TEST_CASE("refill stops at the burst, however long the session was quiet") {
  command_budget b(5, 10);
  b.spend(3, start);
  CHECK(b.available(start + 1h) == 5);
  b.spend(5, start + 1h);
  CHECK(b.available(start + 1h) == 0);
}

TEST_CASE("overspending leaves a debt that is paid by waiting, in proportion") {
  command_budget b(5, 10);
  b.spend(2, start);
  b.spend(23, start);  // a costly broadcast: 20 tokens past empty
  CHECK(b.available(start) == 0);
  CHECK(b.wait(start) == 2'100ms);  // the 20 owed, then one to spend
  CHECK(b.wait(start + 2s) == 100ms);
  CHECK(b.available(start + 2'100ms) == 1);
  CHECK(b.available(start + 2'500ms) == 5);
}

TEST_CASE("spending at a later time counts the refill made meanwhile") {
  command_budget b(4, 4);  // a token every 250 ms
  b.spend(4, start);
  b.spend(1, start + 250ms);  // the one token that came back
  CHECK(b.available(start + 250ms) == 0);
  CHECK(b.wait(start + 250ms) == 250ms);
}

TEST_CASE("a rate of 0 means no limit") {
  command_budget b(0, 0);
  CHECK_FALSE(b.limited());
  b.spend(1'000'000, start);
  CHECK(b.available(start) == command_budget::unlimited);
  CHECK(b.wait(start) == 0ms);
}
