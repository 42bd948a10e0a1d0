// What each command costs the sender's command rate, decided by hub_state (fake sinks and clock).
#include "hub_fixture.hpp"

using namespace msgapp::test;

namespace {
// The cost of one command, the store settled after it as the real hub's would be.
std::size_t cost_of(hub_fixture& f, conn_id id, std::string_view line, server::moment now) {
  const auto cost = f.state.command(id, cmd(line), now);
  f.settle(now);
  return cost;
}
}  // namespace

TEST_CASE_METHOD(hub_fixture, "every command costs 1, whatever its outcome") {
  auto [a, pa] = login("alice");
  CHECK(cost_of(*this, a, "whoelse", at(1ms)) == 1);
  CHECK(cost_of(*this, a, "message bob hi", at(2ms)) == 1);  // bob offline: queued
  CHECK(pa->last() == "ok queued for bob (offline)");
  CHECK(cost_of(*this, a, "frobnicate", at(3ms)) == 1);
  CHECK(pa->last().rfind("error bad-command", 0) == 0);
}

TEST_CASE_METHOD(hub_fixture,
                 "a broadcast costs 1 more per broadcast_recipients_per_token reached") {
  auto c = cfg;
  c.broadcast_recipients_per_token = 2;
  restart(c, 0ms);
  auto [a, pa] = login("alice");
  CHECK(cost_of(*this, a, "broadcast nobody here", at(1ms)) == 1);
  login("bob");
  CHECK(cost_of(*this, a, "broadcast to one", at(2ms)) == 1);  // 1 + 1/2
  login("carol");
  auto [d, pd] = login("dave");
  CHECK(cost_of(*this, a, "broadcast to three", at(3ms)) == 2);  // 1 + 3/2
  CHECK(pa->last() == "ok broadcast to 3 users");

  // Only those it reached count: a blocker does not.
  CHECK(cost_of(*this, d, "block alice", at(4ms)) == 1);
  CHECK(cost_of(*this, a, "broadcast to two", at(5ms)) == 2);  // 1 + 2/2
  CHECK(pa->last() == "ok broadcast to 2 users; some recipients did not get it");
  // The next command is back to 1: nothing carries over.
  CHECK(cost_of(*this, a, "whoelse", at(6ms)) == 1);
}

TEST_CASE_METHOD(hub_fixture, "with broadcast_recipients_per_token 0 a broadcast costs 1") {
  auto c = cfg;
  c.broadcast_recipients_per_token = 0;
  restart(c, 0ms);
  auto [a, pa] = login("alice");
  login("bob");
  login("carol");
  CHECK(cost_of(*this, a, "broadcast hi", at(1ms)) == 1);
}

TEST_CASE_METHOD(hub_fixture, "a flooding session is told why and closed; others see it leave") {
  auto [a, pa] = login("alice");
  auto [b, pb] = login("bob");
  state.cut_off_flooding(a, at(5ms));
  settle(at(5ms));
  CHECK(pa->last() ==
        "error flooding more commands than the server takes, for 30 s without a break; "
        "disconnected");
  CHECK(pa->flushed_close);
  CHECK(pb->last().find("alice logged out") != std::string::npos);
  // Its late lines are ignored, and it can log in again from a new connection.
  CHECK(cost_of(*this, a, "broadcast late", at(6ms)) == 1);
  CHECK(pb->last().find("alice logged out") != std::string::npos);
  hub.detach(a, "cut off", at(7ms));
  auto [a2, pa2] = login("alice", 8ms);
  CHECK(pa2->last() == "ok welcome alice");
}
