// The private-session broker (hub_private.cpp) without sockets: who learns which token and
// address, and when, with predictable tokens and a clock the test sets.
#include <set>

#include "hub_fixture.hpp"

using namespace msgapp::test;

namespace {
// alice asks bob, whose client takes private sessions on port 4242.
struct private_fixture : hub_fixture {
  std::pair<conn_id, fake_sink*> alice = login("alice");
  std::pair<conn_id, fake_sink*> bob = login("bob");
  private_fixture() { hub.command(bob.first, cmd("privateport 4242"), at(0ms)); }
};
}  // namespace

TEST_CASE_METHOD(private_fixture, "the invitee gets the token first, the asker the address after") {
  auto [a, pa] = alice;
  auto [b, pb] = bob;
  CHECK(pb->last() == "ok private sessions on port 4242");
  hub.command(a, cmd("startprivate bob"), at(1s));
  CHECK(pa->last() == "ok private session with bob requested");
  CHECK(pb->last() == "private-offer 2023-11-14T22:13:21Z alice token-1");
  CHECK_FALSE(pa->saw("private-ready"));  // not before bob has confirmed the token

  hub.command(b, cmd("privateaccept alice token-1"), at(2s));
  CHECK(pb->last() == "ok private session with alice accepted");
  CHECK(pa->last() == "private-ready 2023-11-14T22:13:22Z bob 127.0.0.2 4242 token-1");
}

TEST_CASE_METHOD(private_fixture, "a token is accepted once, by its invitee, from its asker") {
  auto [a, pa] = alice;
  auto [b, pb] = bob;
  auto [c, pc] = login("carol");
  hub.command(a, cmd("startprivate bob"), at(1s));
  hub.command(c, cmd("privateaccept alice token-1"), at(1s));  // not carol's offer
  CHECK(pc->last() == "error no-offer no open private-session offer from alice with that token");
  hub.command(b, cmd("privateaccept carol token-1"), at(1s));  // not carol's token
  CHECK(pb->last().rfind("error no-offer", 0) == 0);
  hub.command(b, cmd("privateaccept alice token-9"), at(1s));  // not this token
  CHECK(pb->last().rfind("error no-offer", 0) == 0);
  hub.command(b, cmd("privateaccept zed token-1"), at(1s));
  CHECK(pb->last() == "error unknown-user no user named 'zed'");
  CHECK_FALSE(pa->saw("private-ready"));

  hub.command(b, cmd("privateaccept alice token-1"), at(1s));
  CHECK(pb->last() == "ok private session with alice accepted");
  hub.command(b, cmd("privateaccept alice token-1"), at(1s));  // used up
  CHECK(pb->last().rfind("error no-offer", 0) == 0);
}

TEST_CASE_METHOD(private_fixture, "an offer lasts private_offer_lifetime") {
  auto [a, pa] = alice;
  auto [b, pb] = bob;
  hub.command(a, cmd("startprivate bob"), at(0ms));  // token-1, void from 5 s on
  hub.command(a, cmd("startprivate bob"), at(0ms));  // token-2
  hub.command(b, cmd("privateaccept alice token-1"), at(4'999ms));
  CHECK(pb->last() == "ok private session with alice accepted");
  hub.command(b, cmd("privateaccept alice token-2"), at(5'000ms));
  CHECK(pb->last().rfind("error no-offer", 0) == 0);
}

TEST_CASE_METHOD(private_fixture, "open offers are bounded per user; the oldest goes first") {
  auto [a, pa] = alice;
  auto [b, pb] = bob;
  for (int i = 0; i < 3; ++i)  // private_offers is 2: token-1 is dropped for token-3
    hub.command(a, cmd("startprivate bob"), at(0ms));
  hub.command(b, cmd("privateaccept alice token-1"), at(1s));
  CHECK(pb->last().rfind("error no-offer", 0) == 0);
  hub.command(b, cmd("privateaccept alice token-2"), at(1s));
  CHECK(pb->last() == "ok private session with alice accepted");
  hub.command(b, cmd("privateaccept alice token-3"), at(1s));
  CHECK(pb->last() == "ok private session with alice accepted");
}

TEST_CASE_METHOD(private_fixture, "offers end when their asker logs out") {
  auto [a, pa] = alice;
  auto [b, pb] = bob;
  hub.command(a, cmd("startprivate bob"), at(0ms));
  hub.command(a, cmd("logout"), at(1s));
  auto [a2, pa2] = login("alice", 2s);
  hub.command(b, cmd("privateaccept alice token-1"), at(3s));
  CHECK(pb->last().rfind("error no-offer", 0) == 0);
  CHECK_FALSE(pa2->saw("private-ready"));
}

TEST_CASE_METHOD(private_fixture, "startprivate is refused with the reason, and no token is made") {
  auto [a, pa] = alice;
  auto [b, pb] = bob;
  auto [c, pc] = login("carol");
  hub.command(c, cmd("privateport 4300"), at(0ms));
  hub.command(c, cmd("block alice"), at(0ms));
  struct refusal {
    const char* line;
    const char* reply;
  };
  const refusal refusals[] = {
      {"startprivate zed", "error unknown-user no user named 'zed'"},
      {"startprivate alice", "error self you cannot start a private session with yourself"},
      {"startprivate dave", "error offline dave is not online"},
      {"startprivate carol", "error blocked carol has blocked you"},
  };
  for (const auto& r : refusals) {
    hub.command(a, cmd(r.line), at(1s));
    INFO(r.line);
    CHECK(pa->last() == r.reply);
  }
  auto [d, pd] = login("dave", 1s);
  hub.command(a, cmd("startprivate dave"), at(1s));  // dave's client takes no private sessions
  CHECK(pa->last() == "error unavailable dave's client does not take private sessions");
  CHECK_FALSE(pc->saw("private-offer"));
  CHECK_FALSE(pd->saw("private-offer"));

  hub.command(c, cmd("startprivate bob"), at(1s));  // the first token made is still token-1
  CHECK(pb->last() == "private-offer 2023-11-14T22:13:21Z carol token-1");
}

TEST_CASE("random tokens have the configured length and do not repeat") {
  const auto tokens = server::random_tokens(128);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto t = tokens();
    REQUIRE(t.size() == 32);
    REQUIRE(t.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(t);
  }
  CHECK(seen.size() == 100);
  CHECK(server::random_tokens(256)().size() == 64);
}
