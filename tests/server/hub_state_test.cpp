// hub_state without sockets or timers: fake line sinks record what the hub sends, and time is a
// number of milliseconds the test chooses, so time windows are exact and nothing sleeps.
#include <algorithm>

#include "hub_fixture.hpp"

using namespace msgapp::test;

TEST_CASE_METHOD(hub_fixture, "three wrong passwords block the name, across connections") {
  auto [c1, p1] = connect();
  CHECK_FALSE(hub.login(c1, cmd("login alice x"), at(0ms)));
  CHECK(p1->last() == "error wrong-password wrong password; 2 attempts left");
  CHECK_FALSE(hub.login(c1, cmd("login alice x"), at(1ms)));
  CHECK(p1->last() == "error wrong-password wrong password; 1 attempt left");
  CHECK_FALSE(hub.login(c1, cmd("login alice x"), at(2ms)));
  CHECK(p1->saw("error login-blocked 3 wrong passwords: alice is blocked for 10 s"));
  CHECK(p1->flushed_close);

  auto [c2, p2] = connect(3ms);  // the right password, from elsewhere, while blocked
  CHECK_FALSE(hub.login(c2, cmd("login alice a"), at(3ms)));
  CHECK(p2->saw("error login-blocked alice is blocked"));
  CHECK(p2->flushed_close);

  auto [c3, p3] = connect(10'002ms);  // the block has expired
  CHECK(hub.login(c3, cmd("login alice a"), at(10'002ms)) == "alice");
}

TEST_CASE_METHOD(hub_fixture, "a correct password resets the count of wrong ones") {
  auto [c1, p1] = connect();
  CHECK_FALSE(hub.login(c1, cmd("login bob x"), at(0ms)));
  CHECK_FALSE(hub.login(c1, cmd("login bob x"), at(0ms)));
  CHECK(hub.login(c1, cmd("login bob b"), at(0ms)) == "bob");
  hub.command(c1, cmd("logout"), at(0ms));
  auto [c2, p2] = connect();
  CHECK_FALSE(hub.login(c2, cmd("login bob x"), at(0ms)));
  CHECK(p2->last() == "error wrong-password wrong password; 2 attempts left");
}

TEST_CASE_METHOD(hub_fixture, "whoelsesince counts whole seconds back from now") {
  auto [a, pa] = login("alice", 0ms);
  auto [b, pb] = login("bob", 0ms);
  hub.command(b, cmd("logout"), at(1'000ms));
  hub.command(a, cmd("whoelsesince 5"), at(6'000ms));
  CHECK(pa->last() == "ok users bob");  // logged out exactly 5 s ago: still inside the window
  hub.command(a, cmd("whoelsesince 4"), at(6'000ms));
  CHECK(pa->last() == "ok users");
  hub.command(a, cmd("whoelsesince 99999999999999999999999"), at(6'000ms));
  CHECK(pa->last() == "ok users bob");
}

TEST_CASE_METHOD(hub_fixture, "time-outs log out idle users and tell the others") {
  auto [a, pa] = login("alice", 0ms);
  auto [b, pb] = login("bob", 30'000ms);
  hub.sweep(at(59'999ms));
  CHECK_FALSE(pa->flushed_close);
  hub.sweep(at(60'000ms));
  CHECK(pa->saw("timeout timed out after 60 s without a command"));
  CHECK(pa->flushed_close);
  CHECK(pb->last().find("presence") == 0);
  CHECK(pb->last().find("alice logged out") != std::string::npos);
  hub.command(b, cmd("whoelse"), at(60'001ms));
  CHECK(pb->last() == "ok users");
}

TEST_CASE_METHOD(hub_fixture, "the offline queue is bounded and delivered oldest first") {
  auto [a, pa] = login("alice");
  for (int i = 1; i <= 3; ++i) {
    hub.command(a, cmd("message bob note " + std::to_string(i)), at(std::chrono::seconds(i)));
    CHECK(pa->last() == "ok queued for bob (offline)");
  }
  hub.command(a, cmd("message bob one too many"), at(4s));
  CHECK(pa->last().rfind("error queue-full", 0) == 0);

  auto [b, pb] = login("bob", 5s);
  REQUIRE(pb->lines.size() == 4);
  CHECK(pb->lines[0] == "ok welcome bob\n");
  CHECK(pb->lines[1] == "offline 2023-11-14T22:13:21Z alice note 1\n");
  CHECK(pb->lines[2] == "offline 2023-11-14T22:13:22Z alice note 2\n");
  CHECK(pb->lines[3] == "offline 2023-11-14T22:13:23Z alice note 3\n");
  hub.command(b, cmd("logout"), at(6s));
  auto [b2, pb2] = login("bob", 7s);  // delivered once, not again
  CHECK(pb2->lines.size() == 1);
}

TEST_CASE_METHOD(hub_fixture, "a recipient whose outbox is full is cut off; the message waits") {
  auto [a, pa] = login("alice");
  auto [b, pb] = login("bob");
  auto [c, pc] = login("carol");
  pb->capacity = pb->lines.size();  // bob stops reading
  hub.command(a, cmd("message bob are you there"), at(1s));
  CHECK(pa->saw("ok queued for bob (offline)"));
  CHECK(pb->aborted);
  CHECK(pc->last().find("bob logged out") != std::string::npos);
  hub.detach(b, "closed by the server", at(2s));

  auto [b2, pb2] = login("bob", 3s);
  REQUIRE(pb2->lines.size() == 2);
  CHECK(pb2->lines[1].find("alice are you there") != std::string::npos);
}

TEST_CASE_METHOD(hub_fixture, "presence skips the users the subject has blocked") {
  auto [a, pa] = login("alice");
  auto [b, pb] = login("bob");
  hub.command(a, cmd("block bob"), at(1s));
  CHECK(pa->last() == "ok blocked bob");
  auto [c, pc] = login("carol", 2s);
  hub.command(a, cmd("logout"), at(3s));
  CHECK(pc->last().find("alice logged out") != std::string::npos);
  for (const auto& line : pb->lines)
    CHECK(line.find("alice logged") == std::string::npos);
}

TEST_CASE_METHOD(hub_fixture, "broadcast skips blockers and says so; one shared line each") {
  auto [a, pa] = login("alice");
  auto [b, pb] = login("bob");
  auto [c, pc] = login("carol");
  hub.command(b, cmd("block alice"), at(1s));
  hub.command(a, cmd("broadcast hello  all"), at(2s));
  CHECK(pa->last() == "ok broadcast to 1 user; some recipients did not get it");
  CHECK(pc->last() == "broadcast 2023-11-14T22:13:22Z alice hello  all");
  CHECK(pb->last() == "ok blocked alice");

  hub.command(b, cmd("unblock alice"), at(3s));
  hub.command(a, cmd("broadcast again"), at(4s));
  CHECK(pa->last() == "ok broadcast to 2 users");
  CHECK(pb->last() == "broadcast 2023-11-14T22:13:24Z alice again");
  REQUIRE(pc->received.back() == pb->received.back());  // the same line, not a copy each
}

TEST_CASE_METHOD(hub_fixture, "shutdown tells everyone, then finishes when all have detached") {
  auto [a, pa] = login("alice");
  auto [x, px] = connect();
  hub.shut_down(at(1s));
  CHECK(pa->last() == "shutdown the server is shutting down");
  CHECK(px->last() == "shutdown the server is shutting down");
  CHECK(pa->flushed_close);
  CHECK_FALSE(hub.finished());
  auto late = std::make_shared<fake_sink>();
  CHECK_FALSE(hub.attach(99, late, "127.0.0.1", at(1s)));
  CHECK(late->last().rfind("error server-full", 0) == 0);
  hub.sweep(at(1'499ms));
  CHECK_FALSE(pa->aborted);
  hub.sweep(at(2s));  // the grace period is over: whoever has not drained is cut
  CHECK(pa->aborted);
  hub.detach(a, "closed by the server", at(2s));
  hub.detach(x, "closed by the server", at(2s));
  CHECK(hub.finished());
}

TEST_CASE_METHOD(hub_fixture, "lines from a connection that was told to close are ignored") {
  auto [a, pa] = login("alice");
  hub.command(a, cmd("logout"), at(0ms));
  const auto count = pa->lines.size();
  hub.command(a, cmd("whoelse"), at(0ms));
  CHECK(pa->lines.size() == count);
}

TEST_CASE_METHOD(hub_fixture, "the server refuses connections beyond max_connections") {
  server::config small = cfg;
  small.max_connections = 1;
  // Nothing here is durable: the store is never asked.
  hub_state tiny(small, {{"alice", "a"}}, counting_tokens(),
                 server::store_link{{}, [](msgapp::store::batch) { FAIL("no batch expected"); }},
                 at(0ms));
  auto p1 = std::make_shared<fake_sink>();
  auto p2 = std::make_shared<fake_sink>();
  CHECK(tiny.attach(1, p1, "127.0.0.1", at(0ms)));
  CHECK_FALSE(tiny.attach(2, p2, "127.0.0.1", at(0ms)));
  CHECK(p2->last().rfind("error server-full", 0) == 0);
  CHECK(p2->flushed_close);
  tiny.detach(1, "gone", at(0ms));
  CHECK(tiny.attach(3, p2, "127.0.0.1", at(0ms)));
}

TEST_CASE_METHOD(hub_fixture, "privateport before login is kept: online means reachable") {
  auto [asker, pa] = login("alice");
  auto [id, p] = connect();
  CHECK_FALSE(hub.login(id, cmd("privateport 4321"), at(0ms)));
  CHECK(p->last() == "ok private sessions on port 4321");
  REQUIRE(hub.login(id, cmd("login bob b"), at(0ms)) == "bob");
  hub.command(asker, cmd("startprivate bob"), at(0ms));
  CHECK(pa->last() == "ok private session with bob requested");
  CHECK(p->saw("private-offer "));
}

TEST_CASE_METHOD(hub_fixture, "a users list longer than a line comes in parts, then its reply") {
  auto c = cfg;
  c.limits.max_line = 16;  // room for 7 bytes of names after `ok users`
  restart(c, 0ms);
  auto [a, pa] = login("alice", 0ms);
  login("bob", 0ms);
  login("carol", 0ms);
  login("dave", 0ms);
  pa->lines.clear();
  hub.command(a, cmd("whoelse"), at(1ms));
  CHECK(pa->lines == std::vector<std::string>{"users bob\n", "users carol\n", "ok users dave\n"});
  pa->lines.clear();
  hub.command(a, cmd("whoelsesince 60"), at(2ms));
  CHECK(pa->lines == std::vector<std::string>{"users bob\n", "users carol\n", "ok users dave\n"});
}

TEST_CASE_METHOD(hub_fixture, "blocks lists whom the asker has blocked, sorted, and only those") {
  auto [a, pa] = login("alice", 0ms);
  auto [b, pb] = login("bob", 0ms);
  hub.command(a, cmd("blocks"), at(1ms));
  CHECK(pa->last() == "ok users");
  hub.command(a, cmd("block dave"), at(2ms));
  hub.command(a, cmd("block bob"), at(3ms));
  hub.command(b, cmd("block carol"), at(4ms));  // bob's list is not alice's
  hub.command(a, cmd("blocks"), at(5ms));
  CHECK(pa->last() == "ok users bob dave");
  hub.command(a, cmd("unblock dave"), at(6ms));
  hub.command(a, cmd("blocks"), at(7ms));
  CHECK(pa->last() == "ok users bob");
  hub.command(b, cmd("blocks"), at(8ms));
  CHECK(pb->last() == "ok users carol");
}

TEST_CASE_METHOD(hub_fixture, "the idle warning comes once, a tenth of the time-out before it") {
  auto [a, pa] = login("alice", 0ms);
  auto [b, pb] = login("bob", 0ms);
  const auto warning =
      "idle-warning 6 you will be signed off in 6 s for inactivity unless you "
      "send a command";
  hub.sweep(at(53'999ms));
  CHECK_FALSE(pa->saw("idle-warning"));
  hub.command(b, cmd("whoelse"), at(53'999ms));  // bob is active: his idle period starts again
  hub.sweep(at(54'000ms));
  CHECK(pa->last() == warning);
  CHECK_FALSE(pb->saw("idle-warning"));
  hub.sweep(at(55'000ms));  // once per idle period
  CHECK(std::count(pa->lines.begin(), pa->lines.end(), std::string(warning) + "\n") == 1);
  // A command starts a new idle period, which is warned again.
  hub.command(a, cmd("whoelse"), at(56'000ms));
  hub.sweep(at(56'000ms + 54'000ms));
  CHECK(pa->last() == warning);
  CHECK(std::count(pa->lines.begin(), pa->lines.end(), std::string(warning) + "\n") == 2);
  // The warning never says what has not happened yet.
  CHECK(std::string(warning).find("timed out") == std::string::npos);
  CHECK(std::string(warning).find("logged out") == std::string::npos);
}

TEST_CASE_METHOD(hub_fixture, "the idle warning's lead can be set, and turned off") {
  auto c = cfg;
  c.idle_warning = 20s;
  restart(c, 0ms);
  auto [a, pa] = login("alice", 0ms);
  hub.sweep(at(39'999ms));
  CHECK_FALSE(pa->saw("idle-warning"));
  hub.sweep(at(40'500ms));
  CHECK(pa->last() ==
        "idle-warning 20 you will be signed off in 20 s for inactivity unless you "
        "send a command");

  c.idle_warning = 0ms;
  restart(c, 0ms);
  auto [b, pb] = login("bob", 0ms);
  hub.sweep(at(59'999ms));
  CHECK_FALSE(pb->saw("idle-warning"));

  c.idle_warning = 20s;  // nor is a connection that has not logged in warned
  restart(c, 0ms);
  auto [u, pu] = connect(0ms);
  hub.sweep(at(59'999ms));
  CHECK_FALSE(pu->saw("idle-warning"));
  CHECK_FALSE(pu->flushed_close);
}

TEST_CASE("the idle warning's default: a tenth of the time-out, at most 60 s") {
  msgapp::server::config c;
  c.timeout = 600'000ms;
  CHECK(msgapp::server::idle_warning_lead(c) == 60'000ms);
  c.timeout = 300'000ms;
  CHECK(msgapp::server::idle_warning_lead(c) == 30'000ms);
  c.timeout = 3'600'000ms;
  CHECK(msgapp::server::idle_warning_lead(c) == 60'000ms);
  c.timeout = 0ms;
  CHECK(msgapp::server::idle_warning_lead(c) == 0ms);
  c.timeout = 1'000ms;
  c.idle_warning = 1'000ms;
  CHECK_FALSE(msgapp::server::validate(c));
  c.idle_warning = 999ms;
  CHECK(msgapp::server::validate(c));
}
