// hub_state in cluster mode, with a fake link: what it asks of Redis and tells other nodes,
// and what it does with their answers and events. The node itself is tested with real nodes
// in tests/cluster.
#include <msgapp/cluster/codec.hpp>

#include "hub_fixture.hpp"

namespace msgapp::test {
namespace {

namespace cluster = msgapp::cluster;
using kind = cluster::claim_result::kind;

struct fake_link {
  bool ready = true;
  std::vector<cluster::login_claim> claims;
  std::vector<std::string> released;
  std::vector<std::string> poked;
  std::vector<std::pair<std::string, cluster::event>> to_node;
  std::vector<cluster::event> to_all;

  cluster::link link() {
    cluster::link l;
    l.node = "n1";
    l.ready = [this] { return ready; };
    l.claim = [this](cluster::login_claim c) { claims.push_back(std::move(c)); };
    l.release = [this](std::string u) { released.push_back(std::move(u)); };
    l.poke = [this](std::string u, std::function<void()> done) {
      poked.push_back(std::move(u));
      done();
    };
    l.to_node = [this](const std::string& n, cluster::event e) { to_node.emplace_back(n, e); };
    l.to_all = [this](cluster::event e) { to_all.push_back(std::move(e)); };
    return l;
  }
};

struct cluster_fixture : hub_fixture {
  fake_link bus;
  cluster_fixture() { state.join_cluster(bus.link()); }

  // A login whose claim Redis answers with `outcome`: the answer, as the session gets it.
  std::optional<std::string> log_in(conn_id id, std::string user, kind outcome,
                                    std::chrono::milliseconds t = 0ms, int left = 0) {
    std::optional<std::optional<std::string>> answer;
    const auto pw = user.substr(0, 1);
    state.login(id, cmd("login " + user + " " + pw), at(t), server::hash_check::not_done,
                [&](std::optional<std::string> u) { answer = u; });
    REQUIRE_FALSE(answer.has_value());  // it waits for Redis
    REQUIRE(!bus.claims.empty());
    const auto claim = bus.claims.back();
    CHECK(claim.user == user);
    cluster::claim_result result;
    result.outcome = outcome;
    result.attempts_left = left;
    result.blocked_ms = 4'200;
    state.claimed(claim, result, at(t));
    settle(at(t));
    REQUIRE(answer.has_value());
    return *answer;
  }
  std::pair<conn_id, fake_sink*> online(std::string user, std::chrono::milliseconds t = 0ms) {
    auto [id, sink] = connect(t);
    REQUIRE(log_in(id, user, kind::claimed, t) == user);
    return {id, sink};
  }
  void remote(cluster::event e, std::chrono::milliseconds t = 0ms) {
    state.remote({std::move(e)}, at(t));
    settle(at(t));
  }
};

bool has_line(const fake_sink& s, std::string_view needle) {
  for (const auto& l : s.lines)
    if (l.find(needle) != std::string::npos) return true;
  return false;
}

TEST_CASE("cluster: a login is claimed in Redis; once claimed the user is welcomed and announced") {
  cluster_fixture f;
  auto [id, alice] = f.connect();
  CHECK(f.log_in(id, "alice", kind::claimed) == "alice");
  CHECK(f.bus.claims.back().password_ok);
  CHECK(alice->saw("ok welcome alice"));
  REQUIRE(f.bus.to_all.size() == 1);
  const auto& p = std::get<cluster::presence>(f.bus.to_all[0]);
  CHECK((p.user == "alice" && p.node == "n1" && p.online));

  f.hub.command(id, cmd("logout"), at(1s));
  CHECK(f.bus.released == std::vector<std::string>{"alice"});
  const auto& out = std::get<cluster::presence>(f.bus.to_all.back());
  CHECK((out.user == "alice" && !out.online));
}

TEST_CASE("cluster: Redis's answer decides already-online, wrong passwords and blocks") {
  cluster_fixture f;
  SECTION("online elsewhere") {
    auto [id, s] = f.connect();
    CHECK_FALSE(f.log_in(id, "alice", kind::online));
    CHECK(s->saw("error already-online alice is already logged in"));
  }
  SECTION("a wrong password is counted cluster-wide") {
    auto [id, s] = f.connect();
    std::optional<std::optional<std::string>> answer;
    f.state.login(id, cmd("login alice nope"), at(0ms), server::hash_check::not_done,
                  [&](auto u) { answer = u; });
    CHECK_FALSE(f.bus.claims.back().password_ok);
    f.state.claimed(f.bus.claims.back(), {kind::wrong, 2, 0, {}}, at(0ms));
    CHECK(s->saw("error wrong-password wrong password; 2 attempts left"));
    REQUIRE(answer.has_value());
    CHECK_FALSE(*answer);
  }
  SECTION("the third wrong one blocks the name, durably") {
    auto [id, s] = f.connect();
    CHECK_FALSE(f.log_in(id, "alice", kind::blocked_now));
    CHECK(s->saw("error login-blocked 3 wrong passwords: alice is blocked for 10 s"));
    CHECK(s->flushed_close);
  }
  SECTION("still blocked") {
    auto [id, s] = f.connect();
    CHECK_FALSE(f.log_in(id, "alice", kind::blocked));
    CHECK(
        s->saw("error login-blocked alice is blocked after too many wrong passwords; try "
               "again in 5 s"));
  }
  SECTION("Redis could not be asked") {
    auto [id, s] = f.connect();
    CHECK_FALSE(f.log_in(id, "alice", kind::unavailable));
    CHECK(s->saw("error cluster-unavailable"));
  }
}

TEST_CASE("cluster: a login the database cannot record is undone, and the client told why") {
  cluster_fixture f;
  auto [id, s] = f.connect();
  std::optional<std::optional<std::string>> answer;
  f.state.login(id, cmd("login alice a"), at(0ms), server::hash_check::not_done,
                [&](auto u) { answer = u; });
  f.state.claimed(f.bus.claims.back(), {kind::claimed, 0, 0, {}}, at(0ms));
  CHECK_FALSE(s->saw("ok welcome"));  // held until the login is recorded
  std::vector<msgapp::store::outcome> failed;
  for (const auto& b : std::exchange(f.submitted, {}))
    failed.push_back({b.ticket, tl::unexpected(std::string("PostgreSQL unavailable"))});
  f.state.committed(std::move(failed), at(0ms));
  CHECK_FALSE(s->saw("ok welcome"));
  CHECK(s->saw("error cluster-unavailable the server cannot reach its database"));
  CHECK(s->flushed_close);
  CHECK(f.bus.released == std::vector<std::string>{"alice"});
}

TEST_CASE("cluster: without the cluster a login is refused at once, and nothing is claimed") {
  cluster_fixture f;
  f.bus.ready = false;
  auto [id, s] = f.connect();
  std::optional<std::optional<std::string>> answer;
  f.state.login(id, cmd("login alice a"), at(0ms), server::hash_check::not_done,
                [&](auto u) { answer = u; });
  REQUIRE(answer.has_value());
  CHECK_FALSE(*answer);
  CHECK(f.bus.claims.empty());
  CHECK(s->saw("error cluster-unavailable"));
}

TEST_CASE("cluster: a claim answered after the client left frees the name again") {
  cluster_fixture f;
  auto [id, s] = f.connect();
  std::optional<std::optional<std::string>> answer;
  f.state.login(id, cmd("login alice a"), at(0ms), server::hash_check::not_done,
                [&](auto u) { answer = u; });
  f.state.sweep(at(61s));  // timed out meanwhile: closing
  f.state.claimed(f.bus.claims.back(), {kind::claimed, 0, 0, {}}, at(61s));
  REQUIRE(answer.has_value());
  CHECK_FALSE(*answer);
  CHECK(f.bus.released == std::vector<std::string>{"alice"});
}

TEST_CASE(
    "cluster: users on other nodes are in whoelse, announced, and messaged through their "
    "node") {
  cluster_fixture f;
  auto [id, alice] = f.online("alice");
  f.remote(cluster::presence{"bob", "n2", true, 1'700'000'001'000, 0});
  CHECK(has_line(*alice, "bob logged in"));
  f.hub.command(id, cmd("whoelse"), at(1s));
  CHECK(alice->last() == "ok users bob");

  f.hub.command(id, cmd("message bob hello there"), at(2s));
  CHECK(alice->last() == "ok delivered to bob");
  REQUIRE(f.bus.to_node.size() == 1);
  CHECK(f.bus.to_node[0].first == "n2");
  const auto& m = std::get<cluster::direct_message>(f.bus.to_node[0].second);
  CHECK((m.from == "alice" && m.to == "bob" && m.text == "hello there"));

  f.bus.ready = false;
  f.hub.command(id, cmd("message bob again"), at(3s));
  CHECK(alice->last().rfind("error cluster-unavailable", 0) == 0);
  CHECK(f.bus.to_node.size() == 1);

  // A logout from a node bob is no longer on is stale: ignored.
  f.remote(cluster::presence{"bob", "n3", false, 1'700'000'004'000, 0}, 4s);
  CHECK_FALSE(has_line(*alice, "bob logged out"));
  f.remote(cluster::presence{"bob", "n2", false, 1'700'000'005'000, 0}, 5s);
  CHECK(has_line(*alice, "bob logged out"));
  f.hub.command(id, cmd("whoelse"), at(6s));
  CHECK(alice->last() == "ok users");
  f.hub.command(id, cmd("whoelsesince 60"), at(7s));
  CHECK(alice->last() == "ok users bob");
}

TEST_CASE("cluster: another node's block list is honoured for presence and messages") {
  cluster_fixture f;
  auto [id, alice] = f.online("alice");
  f.remote(cluster::block_change{"bob", "alice", true});
  f.remote(cluster::presence{"bob", "n2", true, 1'700'000'001'000, 0});
  CHECK_FALSE(has_line(*alice, "bob logged in"));
  f.hub.command(id, cmd("message bob hi"), at(1s));
  CHECK(alice->last().rfind("error blocked", 0) == 0);
  f.remote(cluster::block_change{"bob", "alice", false});
  f.hub.command(id, cmd("message bob hi"), at(2s));
  CHECK(alice->last() == "ok delivered to bob");
}

TEST_CASE("cluster: a block here is told to every node") {
  cluster_fixture f;
  auto [id, alice] = f.online("alice");
  f.hub.command(id, cmd("block bob"), at(1s));
  CHECK(alice->last() == "ok blocked bob");
  const auto& b = std::get<cluster::block_change>(f.bus.to_all.back());
  CHECK((b.user == "alice" && b.other == "bob" && b.blocked));
}

TEST_CASE("cluster: a message from another node is delivered, or queued if its user has left") {
  cluster_fixture f;
  auto [id, alice] = f.online("alice");
  f.remote(cluster::direct_message{"bob", "alice", 1'700'000'002'000, "from afar"});
  CHECK(alice->last() == "msg 2023-11-14T22:13:22Z bob from afar");

  // carol is offline here: the message waits in the store for her next login.
  f.remote(cluster::direct_message{"bob", "carol", 1'700'000'003'000, "for later"});
  // and one whose node turned out to be gone (nobody heard it there)
  f.state.undelivered({cluster::direct_message{"alice", "carol", 1'700'000'004'000, "lost node"}},
                      at(4s));
  f.settle(at(4s));
  auto [cid, carol] = f.online("carol", 5s);
  CHECK(has_line(*carol, "offline 2023-11-14T22:13:23Z bob for later"));
  CHECK(has_line(*carol, "offline 2023-11-14T22:13:24Z alice lost node"));
}

TEST_CASE("cluster: messages stored while their user logs in elsewhere are read there, in order") {
  cluster_fixture f;
  auto [id, alice] = f.online("alice");
  f.state.command(id, cmd("message bob one"), at(1s));  // bob offline: being stored
  f.state.remote({cluster::presence{"bob", "n2", true, 1'700'000'001'000, 0}}, at(1s));
  f.state.command(id, cmd("message bob two"), at(1s));  // stored too: it may not overtake "one"
  CHECK(f.bus.to_node.empty());
  f.settle(at(1s));
  // Once both are committed, bob's node is told, ahead of what follows on its channel.
  CHECK(f.bus.poked.empty());
  REQUIRE(f.bus.to_node.size() == 1);
  CHECK(std::get<cluster::queued>(f.bus.to_node[0].second).user == "bob");
  f.hub.command(id, cmd("message bob three"), at(2s));  // nothing left to overtake: direct
  REQUIRE(f.bus.to_node.size() == 2);
  CHECK(std::get<cluster::direct_message>(f.bus.to_node[1].second).text == "three");
  // Not known to be anywhere: Redis is asked (after the commit) where they are.
  f.hub.command(id, cmd("message dave stored for dave"), at(2s));
  CHECK(f.bus.poked == std::vector<std::string>{"dave"});

  // On bob's node: told that messages were stored, it reads them again; a live message that
  // comes meanwhile waits behind that read, and ids already shown are not sent twice.
  auto [cid, carol] = f.online("carol", 3s);
  f.db->apply(std::vector<msgapp::store::batch>{
      {1000, {msgapp::store::enqueue_message{"carol", "dave", 1'700'000'003'000, "stored"}}}});
  f.state.remote({cluster::queued{"carol"}}, at(3s));
  f.state.remote({cluster::direct_message{"dave", "carol", 1'700'000'004'000, "live"}}, at(4s));
  CHECK_FALSE(has_line(*carol, "live"));
  f.settle(at(4s));
  f.remote(cluster::queued{"carol"}, 5s);
  std::vector<std::string> from_dave;
  for (const auto& l : carol->lines)
    if (l.find(" dave ") != std::string::npos) from_dave.push_back(l);
  CHECK(from_dave == std::vector<std::string>{"offline 2023-11-14T22:13:23Z dave stored\n",
                                              "msg 2023-11-14T22:13:24Z dave live\n"});
}

TEST_CASE("cluster: a broadcast reaches other nodes and counts their users; theirs reach ours") {
  cluster_fixture f;
  auto [id, alice] = f.online("alice");
  auto [did, dave] = f.online("dave");
  f.remote(cluster::presence{"bob", "n2", true, 1'700'000'001'000, 0});
  f.remote(cluster::presence{"carol", "n3", true, 1'700'000'001'000, 0});
  f.remote(cluster::block_change{"carol", "alice", true});
  f.hub.command(id, cmd("broadcast hi all"), at(1s));
  CHECK(alice->last().rfind("ok broadcast to 2 users", 0) == 0);  // dave and bob; carol skipped
  const auto& b = std::get<cluster::broadcast>(f.bus.to_all.back());
  CHECK((b.from == "alice" && b.node == "n1" && b.text == "hi all"));

  f.remote(cluster::block_change{"dave", "bob", true});
  f.remote(cluster::broadcast{"bob", "n2", 1'700'000'002'000, "hello from n2"});
  CHECK(has_line(*alice, "bob hello from n2"));
  CHECK_FALSE(has_line(*dave, "bob hello from n2"));
  // Our own, heard back from Redis: not delivered twice.
  f.remote(cluster::broadcast{"alice", "n1", 1'700'000'003'000, "echo"});
  CHECK_FALSE(has_line(*dave, "echo"));
}

TEST_CASE("cluster: private sessions are brokered across nodes") {
  cluster_fixture f;
  auto [id, alice] = f.online("alice");
  f.remote(cluster::presence{"bob", "n2", true, 1'700'000'001'000, 0});
  f.hub.command(id, cmd("startprivate bob"), at(1s));
  CHECK(alice->last().rfind("error unavailable", 0) == 0);  // bob's client takes none
  f.remote(cluster::private_port{"bob", 4000});
  f.hub.command(id, cmd("startprivate bob"), at(2s));
  CHECK(alice->last() == "ok private session with bob requested");
  const auto& offer = std::get<cluster::private_offer>(f.bus.to_node.back().second);
  CHECK((f.bus.to_node.back().first == "n2" && offer.from == "alice" && offer.to == "bob"));

  f.remote(cluster::private_ready{"bob", "alice", "10.0.0.2", 4000, offer.token}, 3s);
  CHECK(alice->last().find("bob 10.0.0.2 4000 " + offer.token) != std::string::npos);

  // The other way: an offer from bob (on n2) to alice, accepted here, is answered to n2.
  f.hub.command(id, cmd("privateport 5000"), at(4s));
  f.remote(cluster::private_offer{"bob", "alice", "tok-9"}, 4s);
  CHECK(has_line(*alice, "bob tok-9"));
  f.hub.command(id, cmd("privateaccept bob tok-9"), at(5s));
  CHECK(alice->last() == "ok private session with bob accepted");
  const auto& ready = std::get<cluster::private_ready>(f.bus.to_node.back().second);
  CHECK((f.bus.to_node.back().first == "n2" && ready.to == "bob" && ready.port == 5000));
}

TEST_CASE("cluster: a node that lost its lease logs its users out and tells them why") {
  cluster_fixture f;
  auto [id, alice] = f.online("alice");
  f.state.fence(at(1s));
  f.settle(at(1s));
  CHECK(alice->saw("error cluster-unavailable this server lost contact with the cluster"));
  CHECK(alice->flushed_close);
  CHECK(f.bus.released == std::vector<std::string>{"alice"});
}

TEST_CASE("cluster: the view read afresh replaces who is where") {
  cluster_fixture f;
  auto [id, alice] = f.online("alice");
  f.remote(cluster::presence{"bob", "n2", true, 1'700'000'001'000, 0});
  f.state.view({{"carol", "n3"}, {"alice", "n1"}}, {{"carol", 7000}});
  f.hub.command(id, cmd("whoelse"), at(1s));
  CHECK(alice->last() == "ok users carol");
}

TEST_CASE("cluster: events survive their encoding, in order; a bad line is skipped") {
  const std::vector<cluster::event> events{
      cluster::direct_message{"alice", "bob", 17, "hi there  with spaces"},
      cluster::presence{"bob", "n2", true, 18, 4000},
      cluster::broadcast{"carol", "n3", 19, "all"},
      cluster::block_change{"bob", "alice", false},
      cluster::private_port{"bob", 0},
      cluster::private_offer{"alice", "bob", "abc"},
      cluster::private_ready{"bob", "alice", "::1", 4000, "abc"},
      cluster::queued{"bob"}};
  const auto text = cluster::encode(events);
  CHECK(cluster::decode(text) == events);
  auto mangled = "nonsense line\npresent bob n2 x 1 2\n" + text;
  CHECK(cluster::decode(mangled) == events);
}

}  // namespace
}  // namespace msgapp::test
