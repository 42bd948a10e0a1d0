// Private sessions over real sockets: an in-process server introduces in-process clients,
// which then talk directly, with and without the server.
#include <chrono>
#include <vector>

#include "p2p_support.hpp"

using namespace msgapp::test;
using msgapp::client::p2p_errc;

TEST_CASE("a private session carries messages both ways") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    auto bob = co_await join(s, "bob");
    (void)co_await open_private(*alice, *bob);
    CHECK(alice->sessions.peers() == std::vector<std::string>{"bob"});
    CHECK(bob->sessions.peers() == std::vector<std::string>{"alice"});

    co_await say_privately(*alice, *bob, "hello bob");
    co_await say_privately(*bob, *alice, "hi alice, ünïcödé and  spaces ");
    co_await say_privately(*alice, *bob, "again");
    // The server carried none of it: the connections to it are silent.
    CHECK(alice->server.pending_events() == 0);
    CHECK(bob->server.pending_events() == 0);
  });
}

TEST_CASE("startprivate is refused for unknown, self, offline and blocking users") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    auto bob = co_await join(s, "bob");
    auto carol = co_await s.login("carol");  // an older client: no private-session listener
    const auto blocked = co_await bob->server.request("block alice");
    REQUIRE(blocked->kind == line_kind::ok);

    struct refusal {
      const char* peer;
      const char* code;
    };
    const refusal refusals[] = {{"zed", "unknown-user"},
                                {"alice", "self"},
                                {"dave", "offline"},
                                {"bob", "blocked"},
                                {"carol", "unavailable"}};
    for (const refusal& r : refusals) {
      const auto reply = co_await start_private(*alice, r.peer);
      INFO(r.peer);
      CHECK(reply.kind == line_kind::error);
      CHECK(reply.code == r.code);
    }
    // Nothing was set up, so there is nothing to talk on or to stop.
    CHECK(alice->sessions.peers().empty());
    CHECK(alice->sessions.send("bob", "hi").error().code == p2p_errc::no_session);
    CHECK(alice->sessions.stop("").error().code == p2p_errc::no_session);
    CHECK(alice->sessions.stop("bob").error().code == p2p_errc::no_session);
    CHECK(alice->quiet());
    CHECK(bob->quiet());
  });
}

TEST_CASE("two private sessions at once, each to its own peer") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    auto bob = co_await join(s, "bob");
    auto carol = co_await join(s, "carol");
    (void)co_await open_private(*alice, *bob);
    (void)co_await open_private(*carol, *alice);  // one asked for, one offered
    CHECK(alice->sessions.peers() == std::vector<std::string>{"bob", "carol"});

    co_await say_privately(*alice, *bob, "for bob");
    co_await say_privately(*alice, *carol, "for carol");
    co_await say_privately(*carol, *alice, "from carol");
    co_await say_privately(*bob, *alice, "from bob");
    CHECK(bob->quiet());
    CHECK(carol->quiet());

    // With two sessions, stopprivate must say which one.
    CHECK(alice->sessions.stop("").error().code == p2p_errc::which_session);
    const auto stopped = alice->sessions.stop("bob");
    REQUIRE(stopped.has_value());
    CHECK(*stopped == "bob");
    co_await expect_ended(*alice, "bob", end_reason::you_stopped);
    co_await expect_ended(*bob, "alice", end_reason::peer_stopped);
    co_await say_privately(*carol, *alice, "still here");
    co_await say_privately(*alice, *carol, "good");
  });
}

TEST_CASE("stopprivate from either side ends the session on both") {
  const bool asker_stops = GENERATE(true, false);
  run_scenario([asker_stops](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    auto bob = co_await join(s, "bob");
    (void)co_await open_private(*alice, *bob);
    p2p_user& stopper = asker_stops ? *alice : *bob;
    p2p_user& other = asker_stops ? *bob : *alice;

    const auto stopped = stopper.sessions.stop("");  // the only session: no name needed
    REQUIRE(stopped.has_value());
    CHECK(*stopped == other.name);
    co_await expect_ended(stopper, other.name, end_reason::you_stopped);
    co_await expect_ended(other, stopper.name, end_reason::peer_stopped);
    CHECK(stopper.sessions.send(other.name, "hello?").error().code == p2p_errc::no_session);
    CHECK(other.sessions.send(stopper.name, "hello?").error().code == p2p_errc::no_session);

    // A new session can be opened after that.
    (void)co_await open_private(other, stopper);
    co_await say_privately(stopper, other, "back again");
  });
}

TEST_CASE("logging out closes every private session and tells the peers") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    auto bob = co_await join(s, "bob");
    auto carol = co_await join(s, "carol");
    (void)co_await open_private(*alice, *bob);
    (void)co_await open_private(*alice, *carol);

    // What msgclient does at logout: sessions first, then the server.
    const auto started = std::chrono::steady_clock::now();
    co_await alice->sessions.close(2s);
    const auto goodbye = co_await alice->server.request("logout");
    REQUIRE(goodbye->kind == line_kind::ok);
    // The peers closed at once; nobody waited for the grace period.
    CHECK(std::chrono::steady_clock::now() - started < 1s);

    co_await expect_ended(*alice, "bob", end_reason::you_stopped);
    co_await expect_ended(*alice, "carol", end_reason::you_stopped);
    co_await expect_ended(*bob, "alice", end_reason::peer_stopped);
    co_await expect_ended(*carol, "alice", end_reason::peer_stopped);
    CHECK(bob->sessions.peers().empty());
    CHECK(carol->sessions.peers().empty());
  });
}

TEST_CASE("a stranger with a wrong or replayed token is refused and learns nothing") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    auto bob = co_await join(s, "bob");
    const std::string token = co_await open_private(*alice, *bob);

    // carol knows bob's listener. Every attempt gets the same two words, then the door shuts.
    const std::string refused = "error refused\n";
    const std::string wrong = std::string(32, '0');
    const std::string attempts[] = {
        "private-hello carol " + wrong + "\n",  // a guess
        "private-hello alice " + token + "\n",  // alice's token, used already
        "private-hello carol " + token + "\n",  // the same, under her own name
        "private-hello bob " + token + "\n",    // bob's own name
        "hello\n",                              // not even a hello
        std::string(5000, 'x') + "\n",          // over-long
    };
    for (const auto& attempt : attempts) {
      const auto answer = co_await knock(bob->port, attempt);
      INFO(attempt.substr(0, 60));
      CHECK(answer == refused);
    }
    // One who says nothing is shown the door after the handshake time limit.
    const auto silent = co_await knock(bob->port, "");
    CHECK(silent == refused);

    // A token bob accepted for alice works only for alice, so carol cannot use an offer either.
    const auto asked = co_await start_private(*alice, "bob");
    REQUIRE(asked.kind == line_kind::ok);
    const auto offer = co_await next_event_of(bob->server, "private-offer");
    REQUIRE(bob->sessions.accept_offer(offer).has_value());
    const auto stolen = co_await knock(bob->port, "private-hello carol " + offer.text + "\n");
    CHECK(stolen == refused);

    // None of this disturbed bob or his session with alice.
    CHECK(bob->quiet());
    CHECK(bob->sessions.peers() == std::vector<std::string>{"alice"});
    co_await say_privately(*alice, *bob, "still private");
  });
}

TEST_CASE("private sessions go on after the server stops") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    auto bob = co_await join(s, "bob");
    (void)co_await open_private(*alice, *bob);

    s.srv.stop();
    co_await expect_closed(alice->server);
    co_await expect_closed(bob->server);

    co_await say_privately(*alice, *bob, "is it just us now?");
    co_await say_privately(*bob, *alice, "yes");
    REQUIRE(bob->sessions.stop("alice").has_value());
    co_await expect_ended(*bob, "alice", end_reason::you_stopped);
    co_await expect_ended(*alice, "bob", end_reason::peer_stopped);
  });
}

TEST_CASE("a new session from the same asker replaces a stale one") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    auto bob = co_await join(s, "bob");
    (void)co_await open_private(*alice, *bob);
    // alice's client asks again (as after a restart that bob's side never noticed).
    (void)co_await open_private(*alice, *bob);
    CHECK(alice->sessions.peers() == std::vector<std::string>{"bob"});
    CHECK(bob->sessions.peers() == std::vector<std::string>{"alice"});
    co_await say_privately(*alice, *bob, "one copy only");
    co_await say_privately(*bob, *alice, "got one");
    CHECK(alice->quiet());
    CHECK(bob->quiet());
  });
}

TEST_CASE("private messages are checked before they are sent") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    auto bob = co_await join(s, "bob");
    (void)co_await open_private(*alice, *bob);
    CHECK(alice->sessions.send("bob", std::string(2049, 'x')).error().code ==
          p2p_errc::text_too_long);
    CHECK(alice->sessions.send("bob", "bell\a").error().code == p2p_errc::bad_text);
    CHECK(alice->sessions.send("bob", "").error().code == p2p_errc::bad_text);
    co_await say_privately(*alice, *bob, std::string(2048, 'y'));
  });
}

TEST_CASE("a private-ready that leads nowhere is reported, not hung on") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    // Nobody listens on this port any more.
    std::uint16_t closed_port = 0;
    {
      const auto ex = co_await net::this_coro::executor;
      const tcp::endpoint any_port(net::ip::make_address("127.0.0.1"), 0);
      tcp::acceptor probe(ex, any_port);
      closed_port = probe.local_endpoint().port();
    }
    alice->sessions.expect_ready("bob");  // as if alice had asked, twice
    alice->sessions.expect_ready("bob");
    const auto nowhere = msgapp::protocol::parse_server_line(
        fmt::format("private-ready 2026-11-25T20:16:03Z bob 127.0.0.1 {} {}", closed_port,
                    std::string(32, 'a')));
    alice->sessions.connect(nowhere);
    const auto failed = co_await alice->next();
    CHECK(failed.what == event_kind::failed);
    CHECK(failed.peer == "bob");

    const auto garbled =
        msgapp::protocol::parse_server_line("private-ready 2026-11-25T20:16:03Z bob nowhere");
    alice->sessions.connect(garbled);
    const auto bad = co_await alice->next();
    CHECK(bad.what == event_kind::failed);
    CHECK(alice->sessions.peers().empty());
  });
}

// Issue 13: bob's client tells the server its private port before it logs in, so there is no
// moment when bob is online and looks deaf. Alice asks in the same turn that bob's welcome is
// read, which is the moment that used to fail.
TEST_CASE("a startprivate sent the instant the peer is welcomed is never refused") {
  constexpr int rounds = 300;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto alice = co_await s.login("alice");
        for (int round = 0; round < rounds; ++round) {
          auto bob = co_await join(s, "bob");  // returns as soon as the welcome is read
          const auto asked = co_await alice.request("startprivate bob");
          REQUIRE(asked.has_value());
          INFO("round " << round << ": " << asked->text);
          REQUIRE(asked->kind == line_kind::ok);
          const auto bye = co_await bob->server.request("logout");
          REQUIRE(bye.has_value());
          REQUIRE(bye->kind == line_kind::ok);
        }
      },
      test_config(), test_accounts(), 60s);
}

namespace {

// A connection to a private listener from 127.0.0.2 that says nothing.
awaitable<tcp::socket> lurk(std::uint16_t port) {
  tcp::socket socket(co_await net::this_coro::executor);
  socket.open(tcp::v4());
  socket.bind(tcp::endpoint(net::ip::make_address("127.0.0.2"), 0));
  auto [cec] = co_await socket.async_connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), port), use_nothrow);
  REQUIRE_FALSE(cec);
  co_return socket;
}

}  // namespace

TEST_CASE("silent callers from one address leave room for a real session, and the user is told") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    auto bob_cfg = test_p2p_config();
    bob_cfg.handshake_timeout = 3s;  // the lurkers hold their places while alice calls
    auto bob = co_await join(s, "bob", bob_cfg);

    // More than every handshake bob takes at once, all from 127.0.0.2.
    std::vector<tcp::socket> lurkers;
    for (std::size_t i = 0; i < bob_cfg.max_handshakes + 4; ++i)
      lurkers.push_back(co_await lurk(bob->port));
    const auto told = co_await bob->next();  // once, however many were closed
    CHECK(told.what == event_kind::caller_refused);
    CHECK(told.address == "127.0.0.2");
    CHECK(told.text == "too many connections from that address are being set up at once");
    // Past the first two, each is closed at once, without a word (not even `error refused`).
    for (std::size_t i = bob_cfg.max_handshakes_per_address; i < lurkers.size(); ++i) {
      std::string answer;
      auto [rec, n] =
          co_await net::async_read(lurkers[i], net::dynamic_buffer(answer, 64), use_nothrow);
      CHECK((rec == net::error::eof || rec == net::error::connection_reset));
      CHECK(answer.empty());
    }

    // alice, at 127.0.0.1, still gets her session while two lurkers wait.
    co_await open_private(*alice, *bob);
    co_await say_privately(*alice, *bob, "through the crowd");
    CHECK(bob->quiet());
  });
}
