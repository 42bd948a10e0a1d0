// The cluster scenarios of issue 12: three real msgserver nodes on one PostgreSQL and one Redis,
// driven through real sockets; every wait has a deadline and nothing asserts a duration.
#include <catch2/catch.hpp>

#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "cluster_fixture.hpp"

namespace {

using namespace cluster_test;

void log_out(line_client& c, const std::string& user) {
  INFO(c.label() << " logs out");
  REQUIRE(c.ask("logout") == "ok goodbye " + user);
}

// `viewer`'s whoelse, once it no longer lists `hidden`: a block made on another node has
// reached the viewer's node (whoelse hides users who blocked the asker, as on one node).
void wait_until_hidden(line_client& viewer, const std::string& hidden) {
  const auto deadline = clock_type::now() + cross_node_deadline;
  std::optional<std::string> users;
  for (;;) {
    users = viewer.ask("whoelse");
    REQUIRE(users);
    REQUIRE_THAT(*users, Catch::StartsWith("ok users"));
    if ((*users + " ").find(" " + hidden + " ") == std::string::npos) return;
    if (clock_type::now() >= deadline) break;
    std::this_thread::sleep_for(lease / 10);  // a poll with a deadline, not a measurement
  }
  INFO(viewer.label() << "'s whoelse still lists " << hidden << ": " << *users);
  FAIL("a block did not reach the other node");
}

struct numbered_line {
  std::string kind;  // msg (live) or offline (queued, read at login)
  std::string text;
};

// `msg|offline <time> <from> <text>` from `from`; nothing for any other line.
std::optional<numbered_line> parse_from(const std::string& line, const std::string& from) {
  static const std::regex form(R"(^(msg|offline) [0-9TZ:-]+ ([a-z]+) (.*)$)");
  std::smatch m;
  if (!std::regex_match(line, m, form) || m[2].str() != from) return std::nullopt;
  return numbered_line{m[1].str(), m[3].str()};
}

// How `line` came from `from`: msg or offline; empty if it is no message from `from`.
std::string kind_of(const std::string& line, const std::string& from) {
  const auto m = parse_from(line, from);
  return m ? m->kind : std::string{};
}

// Reads the messages from `from` until the one whose text is `last`, passing over presence
// events; any other line fails the test. Each line must come within the deadline.
std::vector<numbered_line> read_messages_until(line_client& c, const std::string& from,
                                               const std::string& last) {
  std::vector<numbered_line> got;
  for (;;) {
    const auto line = c.next_line();
    INFO(c.label() << " after " << got.size() << " messages from " << from);
    REQUIRE(line);
    if (line->rfind("presence ", 0) == 0) continue;
    INFO("line: " << *line);
    const auto m = parse_from(*line, from);
    REQUIRE(m);
    got.push_back(*m);
    if (m->text == last) return got;
  }
}

// The texts `prefix`1 .. `prefix`n and then `last`, each exactly once, in this order.
void check_numbered(const std::vector<numbered_line>& got, const std::string& prefix, int n,
                    const std::string& last) {
  REQUIRE(got.size() == static_cast<std::size_t>(n) + 1);
  for (int i = 1; i <= n; ++i) {
    INFO("message " << i);
    REQUIRE(got[static_cast<std::size_t>(i - 1)].text == numbered(prefix, i));
  }
  CHECK(got.back().text == last);
}

}  // namespace

// Proves a direct message crosses nodes (node1 -> node2) and its sender hears it was delivered.
TEST_CASE("a message from a user on node1 reaches a user on node2", "[cluster]") {
  cluster c;
  const auto alice = c.login(1, "alice");
  const auto bob = c.login(2, "bob");
  REQUIRE(alice->expect("bob logged in"));  // node1 knows where bob is
  CHECK(alice->ask("message bob hello across nodes") == "ok delivered to bob");
  const auto got = bob->expect("alice hello across nodes");
  REQUIRE(got);
  CHECK(kind_of(*got, "alice") == "msg");
}

// Proves "already online" holds across nodes: the claim is global, with the single-node error.
TEST_CASE("a second login of a user online on another node is refused", "[cluster]") {
  cluster c;
  const auto alice = c.login(1, "alice");
  for (int node : {2, 3}) {
    const auto again = c.connect(node, "alice-again");
    const auto refused = again->ask("login alice " + password_of("alice"));
    INFO(again->label());
    REQUIRE(refused);
    CHECK_THAT(*refused, Catch::StartsWith("error already-online"));
  }
  CHECK(alice->ask("whoelse") == "ok users");  // the first session is untouched
}

// Proves presence crosses nodes and honours blocks made on another node: once bob has blocked
// alice, she no longer sees him come and go, while carol on a third node still does.
TEST_CASE("presence crosses nodes and honours blocks", "[cluster]") {
  cluster c;
  const auto alice = c.login(1, "alice");
  const auto carol = c.login(3, "carol");
  {
    const auto bob = c.login(2, "bob");
    CHECK(alice->expect("bob logged in"));
    CHECK(carol->expect("bob logged in"));
    CHECK(bob->ask("block alice") == "ok blocked alice");
    wait_until_hidden(*alice, "bob");
    log_out(*bob, "bob");
  }
  CHECK(carol->expect("bob logged out"));
  CHECK(alice->silent_about("bob logged out"));

  const auto bob = c.login(2, "bob");
  CHECK(carol->expect("bob logged in"));
  CHECK(alice->silent_about("bob logged in"));
}

// Proves a broadcast fans out to every node, skipping a user (on another node) who blocked the
// sender, and that the sender's reply counts as on one node.
TEST_CASE("a broadcast from node1 reaches users on node2 and node3", "[cluster]") {
  cluster c;
  const auto alice = c.login(1, "alice");
  const auto eve = c.login(1, "eve");
  const auto bob = c.login(2, "bob");
  const auto dave = c.login(2, "dave");
  const auto carol = c.login(3, "carol");
  for (const char* user : {"eve", "bob", "dave", "carol"})
    REQUIRE(alice->expect(std::string(user) + " logged in"));  // node1 knows who is online
  REQUIRE(dave->ask("block alice") == "ok blocked alice");
  wait_until_hidden(*alice, "dave");

  CHECK(alice->ask("broadcast hello everyone") ==
        "ok broadcast to 3 users; some recipients did not get it");
  for (auto* to : {eve.get(), bob.get(), carol.get()}) {
    INFO(to->label());
    const auto got = to->expect("alice hello everyone");
    REQUIRE(got);
    CHECK_THAT(*got, Catch::StartsWith("broadcast "));
  }
  CHECK(dave->silent_about("hello everyone"));
}

// Proves failed logins are counted cluster-wide: three wrong passwords, one per node, block the
// name on every node, for the right password too.
TEST_CASE("three wrong passwords over three nodes block the name everywhere", "[cluster]") {
  cluster c;
  for (int node = 1; node <= node_count; ++node) {
    const auto eve = c.connect(node, "eve");
    const auto refused = eve->ask("login eve not-" + password_of("eve"));
    INFO(eve->label() << ", wrong password " << node);
    REQUIRE(refused);
    if (node < 3) {
      CHECK_THAT(*refused, Catch::StartsWith("error wrong-password"));
      if (node == 2) CHECK_THAT(*refused, Catch::Contains("1 attempt left"));
    } else {
      CHECK_THAT(*refused, Catch::StartsWith("error login-blocked"));
    }
  }
  for (int node = 1; node <= node_count; ++node) {
    const auto eve = c.connect(node, "eve");
    const auto refused = eve->ask("login eve " + password_of("eve"));
    INFO(eve->label() << ", right password while blocked");
    REQUIRE(refused);
    CHECK_THAT(*refused, Catch::StartsWith("error login-blocked"));
  }
}

// Proves the offline queue is shared: queued on node1, read at login on node3, in order, once.
TEST_CASE("offline messages queued on node1 are read at login on node3, in order", "[cluster]") {
  constexpr int n = 5;
  cluster c;
  const auto alice = c.login(1, "alice");
  for (int i = 1; i <= n; ++i)
    REQUIRE(alice->ask("message bob " + numbered("m", i)) == "ok queued for bob (offline)");

  const auto bob = c.login(3, "bob");
  CHECK(alice->expect("bob logged in"));
  // The queue came first; this live one follows it, and nothing of the queue comes again.
  CHECK(alice->ask("message bob live") == "ok delivered to bob");
  const auto got = read_messages_until(*bob, "alice", "live");
  check_numbered(got, "m", n, "live");
  for (int i = 0; i < n; ++i)
    CHECK(got[static_cast<std::size_t>(i)].kind == "offline");
  CHECK(got.back().kind == "msg");
}

// Proves per sender->recipient order across nodes under load: 1,000 numbered messages from
// node1 to node2 arrive in order, each once, and each is acknowledged as delivered.
TEST_CASE("1000 numbered messages across nodes arrive in order, once", "[cluster]") {
  constexpr int n = 1000;
  cluster c({"--command-rate", "0"});  // the rate limit is single-node behaviour, tested there
  const auto alice = c.login(1, "alice");
  const auto bob = c.login(2, "bob");
  REQUIRE(alice->expect("bob logged in"));  // node1 knows where bob is
  for (int i = 1; i <= n; ++i)
    alice->send("message bob " + numbered("n", i));
  alice->send("message bob done");

  const auto got = read_messages_until(*bob, "alice", "done");
  check_numbered(got, "n", n, "done");
  for (const auto& m : got)
    CHECK(m.kind == "msg");
  for (int i = 1; i <= n + 1; ++i) {
    INFO("reply " << i);
    REQUIRE(alice->reply() == "ok delivered to bob");
  }
}

// Proves a login on node2 racing a flood from node1 loses nothing and duplicates nothing: the
// queue comes at login, the messages sent meanwhile live, all in order, each once; and a later
// login finds nothing left in the queue. The queue fits in one page: on one node too, live
// messages may come between two pages of a longer one (docs/durability.md).
TEST_CASE("a login racing a flood across nodes loses nothing and duplicates nothing", "[cluster]") {
  constexpr int n = 800;
  constexpr int before_login = 200;  // under a page (256), with room for some queued in the race
  cluster c({"--command-rate", "0"});
  const auto alice = c.login(1, "alice");
  const auto bob = c.connect(2, "bob");
  for (int i = 1; i <= before_login; ++i)
    alice->send("message bob " + numbered("n", i));
  for (int i = 1; i <= before_login; ++i) {
    INFO("reply " << i);
    REQUIRE(alice->reply() == "ok queued for bob (offline)");
  }
  // The login goes out, and the flood goes on at once, while bob's node claims him and reads
  // his queue.
  bob->send("login bob " + password_of("bob"));
  for (int i = before_login + 1; i <= n; ++i)
    alice->send("message bob " + numbered("n", i));
  alice->send("message bob done");

  REQUIRE(bob->reply() == "ok welcome bob");
  const auto got = read_messages_until(*bob, "alice", "done");
  check_numbered(got, "n", n, "done");
  for (int i = 0; i < before_login; ++i)
    CHECK(got[static_cast<std::size_t>(i)].kind == "offline");  // acknowledged as queued
  // Queued ones come first: no offline message after a live one.
  bool live = false;
  for (const auto& m : got) {
    INFO("message " << m.text << " came " << m.kind);
    if (m.kind == "msg") live = true;
    CHECK_FALSE((live && m.kind == "offline"));
  }
  for (int i = before_login + 1; i <= n + 1; ++i) {
    const auto r = alice->reply();
    INFO("reply " << i << ": " << r.value_or("(none)"));
    REQUIRE(r);
    CHECK((*r == "ok delivered to bob" || *r == "ok queued for bob (offline)"));
  }

  // Nothing delivered is still queued: a login with a queue holds its welcome until the first
  // page, so a page would come before the reply to the round trip after it.
  log_out(*bob, "bob");
  REQUIRE(alice->expect("bob logged out"));  // the cluster has let him go
  const auto again = c.login(3, "bob");
  again->send("whoelse");
  for (;;) {
    const auto line = again->next_line();
    REQUIRE(line);
    INFO("line: " << *line);
    CHECK(kind_of(*line, "alice").empty());
    if (line->rfind("ok users", 0) == 0) break;
  }
}

// Proves a crashed node's users are freed by the others: after kill -9 of node2 its users'
// logouts are announced on node1 within a few leases, a message to one of them takes the
// offline path, and they can log in on node3.
TEST_CASE("kill -9 of a node: its users are logged out and can log in elsewhere", "[cluster]") {
  cluster c;
  const auto alice = c.login(1, "alice");
  {
    const auto bob = c.login(2, "bob");
    const auto carol = c.login(2, "carol");
    REQUIRE(alice->expect("bob logged in"));
    REQUIRE(alice->expect("carol logged in"));
    c.kill(2);
  }
  CHECK(alice->expect("bob logged out", crash_deadline));
  CHECK(alice->expect("carol logged out", crash_deadline));
  CHECK(alice->ask("message bob after the crash") == "ok queued for bob (offline)");

  const auto bob = c.login(3, "bob");
  const auto queued = bob->expect("after the crash");
  REQUIRE(queued);
  CHECK(kind_of(*queued, "alice") == "offline");
  const auto carol = c.login(3, "carol");
  CHECK(alice->expect("bob logged in"));
  CHECK(alice->expect("carol logged in"));
}

// Proves the nodes recover from a Redis restart by themselves: while it is down a login gets a
// clear refusal, and within a deadline after it is back logins work and a message crosses nodes.
TEST_CASE("after a Redis restart the nodes recover by themselves", "[cluster]") {
  cluster c;
  const auto alice = c.login(1, "alice");
  const auto bob = c.login(2, "bob");
  REQUIRE(alice->expect("bob logged in"));
  REQUIRE(alice->ask("message bob before") == "ok delivered to bob");
  REQUIRE(bob->expect("alice before"));

  c.redis().stop();
  {
    const auto frank = c.connect(1, "frank");
    const auto refused = frank->ask("login frank " + password_of("frank"));
    INFO("a login while Redis is down");
    REQUIRE(refused);
    CHECK_THAT(*refused, Catch::StartsWith("error "));
  }
  c.redis().start();

  // Sessions from before may have been dropped (a node that cannot renew its lease fences
  // itself): new users show the recovery.
  const auto carol = c.login_eventually(3, "carol");
  const auto dave = c.login_eventually(1, "dave");
  const auto deadline = clock_type::now() + recovery_deadline;
  std::optional<std::string> reply;
  std::string text;
  for (int k = 1;; ++k) {
    text = numbered("ping", k);
    reply = dave->ask("message carol " + text);
    if (reply == "ok delivered to carol" || clock_type::now() >= deadline) break;
    std::this_thread::sleep_for(lease / 4);  // a poll with a deadline, not a measurement
  }
  INFO("last reply: " << reply.value_or("(none)"));
  REQUIRE(reply == "ok delivered to carol");
  CHECK(carol->expect("dave " + text));
}
