// Private sessions over TLS 1.3 keyed by the server's token, and the rules that hold in both
// modes: a client follows only the private-ready it asked for, and takes a few offers per peer.
#include <array>
#include <memory>

#include <msgapp/net/contain.hpp>
#include <msgapp/tls/private_psk.hpp>
#include <msgapp/tls/stream.hpp>

#include "p2p_support.hpp"

using namespace msgapp::test;
namespace protocol = msgapp::protocol;

namespace {

const auto loopback = net::ip::make_address("127.0.0.1");

// A private-ready as a server would send it, naming `peer` at 127.0.0.1:`port`.
protocol::private_ready_event ready_from(std::string peer, std::uint16_t port, std::string token) {
  protocol::private_ready_event ready;
  ready.time = "2026-11-25T20:16:03Z";
  ready.from = std::move(peer);
  ready.host = "127.0.0.1";
  ready.port = port;
  ready.token = std::move(token);
  return ready;
}

protocol::private_ready_event typed_ready(const server_line& line) {
  const auto e = protocol::to_event(line);
  REQUIRE(e.has_value());
  const auto* ready = std::get_if<protocol::private_ready_event>(&*e);
  REQUIRE(ready != nullptr);
  return *ready;
}

// Up to the private-ready: alice asks, bob's client accepts the offer. Returns the ready
// alice's client got (not yet followed).
awaitable<protocol::private_ready_event> ready_to_call(p2p_user& asker, p2p_user& peer) {
  const auto asked = co_await start_private(asker, peer.name);
  REQUIRE(asked.kind == line_kind::ok);
  const auto offer = co_await next_event_of(peer.server, "private-offer");
  const auto accept = peer.sessions.accept_offer(offer);
  REQUIRE(accept.has_value());
  const auto accepted = co_await peer.server.request(*accept);
  REQUIRE(accepted->kind == line_kind::ok);
  co_return typed_ready(co_await next_event_of(asker.server, "private-ready"));
}

// One direction of the tap: passes bytes on and keeps a copy; passes the end on too.
awaitable<void> pass(tcp::socket& from, tcp::socket& to, std::shared_ptr<std::string> seen) {
  std::array<char, 4096> chunk;
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(net::buffer(chunk), use_nothrow);
    if (ec) {
      std::error_code ignored;
      to.shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
    seen->append(chunk.data(), n);
    auto [wec, written] = co_await net::async_write(to, net::buffer(chunk.data(), n), use_nothrow);
    if (wec) co_return;
  }
}

// Someone on the path: relays one connection to `target` and records all it sees.
awaitable<void> tap_one(tcp::acceptor acceptor, tcp::endpoint target,
                        std::shared_ptr<std::string> seen) {
  using namespace net::experimental::awaitable_operators;
  auto [aec, caller] = co_await acceptor.async_accept(use_nothrow);
  if (aec) co_return;
  tcp::socket callee(caller.get_executor());
  auto [cec] = co_await callee.async_connect(target, use_nothrow);
  if (cec) co_return;
  co_await (pass(caller, callee, seen) && pass(callee, caller, seen));
}

// A caller of our own making: completes the TLS handshake with the key of `key_token`, then
// sends `line` and returns all the listener says until it closes.
awaitable<std::string> sealed_knock(std::uint16_t port, std::string key_token, std::string line) {
  const auto ctx = msgapp::tls::psk_caller_context();
  msgapp::tls::stream stream(tcp::socket(co_await net::this_coro::executor), *ctx);
  auto [cec] = co_await stream.socket().async_connect(tcp::endpoint(loopback, port), use_nothrow);
  REQUIRE_FALSE(cec);
  msgapp::tls::present_psk(*stream.tls(), key_token);
  const auto hec = co_await stream.handshake(msgapp::tls::ssl::stream_base::client);
  REQUIRE_FALSE(hec);
  auto [wec, written] = co_await net::async_write(stream, net::buffer(line), use_nothrow);
  REQUIRE_FALSE(wec);
  std::string answer;
  auto [rec, n] = co_await net::async_read(stream, net::dynamic_buffer(answer, 4096), use_nothrow);
  CHECK(rec);  // the end: the listener closed
  co_return answer;
}

}  // namespace

TEST_CASE("a private session over TLS carries messages both ways") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice", encrypted_p2p_config());
    auto bob = co_await join(s, "bob", encrypted_p2p_config());
    (void)co_await open_private(*alice, *bob);
    co_await say_privately(*alice, *bob, "hello bob, over TLS");
    co_await say_privately(*bob, *alice, "hi alice, ünïcödé and  spaces ");
    co_await say_privately(*alice, *bob, std::string(2048, 'y'));
    REQUIRE(bob->sessions.stop("alice").has_value());
    co_await expect_ended(*bob, "alice", end_reason::you_stopped);
    co_await expect_ended(*alice, "bob", end_reason::peer_stopped);
    // A second session after that, the other way round, with a fresh token.
    (void)co_await open_private(*bob, *alice);
    co_await say_privately(*alice, *bob, "again");
  });
}

TEST_CASE("someone on the path sees private text only when the session is plain") {
  const bool encrypted = GENERATE(false, true);
  run_scenario([encrypted](scenario_context& s) -> awaitable<void> {
    const auto cfg = encrypted ? encrypted_p2p_config() : test_p2p_config();
    auto alice = co_await join(s, "alice", cfg);
    auto bob = co_await join(s, "bob", cfg);
    const auto ex = co_await net::this_coro::executor;
    tcp::acceptor tap(ex, tcp::endpoint(loopback, 0));
    const auto tap_port = tap.local_endpoint().port();
    auto seen = std::make_shared<std::string>();
    net::co_spawn(ex, tap_one(std::move(tap), tcp::endpoint(loopback, bob->port), seen),
                  msgapp::log_and_contain{"the test's tap"});

    auto ready = co_await ready_to_call(*alice, *bob);
    const std::string token = ready.token;
    ready.port = tap_port;  // the path to bob goes through the tap
    alice->sessions.connect(ready);
    co_await expect_started(*alice, *bob);
    co_await say_privately(*alice, *bob, "the word is swordfish");
    co_await say_privately(*bob, *alice, "and mine is marlin");

    INFO("encrypted: " << encrypted);
    CHECK_FALSE(seen->empty());
    const bool plain_text_seen = seen->find("swordfish") != std::string::npos ||
                                 seen->find("marlin") != std::string::npos ||
                                 seen->find(token) != std::string::npos ||
                                 seen->find("private-hello") != std::string::npos ||
                                 seen->find("alice") != std::string::npos;
    CHECK(plain_text_seen == !encrypted);
    REQUIRE(alice->sessions.stop("bob").has_value());
    co_await expect_ended(*alice, "bob", end_reason::you_stopped);
    co_await expect_ended(*bob, "alice", end_reason::peer_stopped);
  });
}

TEST_CASE("over TLS, a caller with a wrong token fails the handshake and uses nothing up") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice", encrypted_p2p_config());
    auto bob = co_await join(s, "bob", encrypted_p2p_config());
    const auto ready = co_await ready_to_call(*alice, *bob);

    auto wrong = ready;
    wrong.token = std::string(32, '0');
    alice->sessions.expect_ready("bob");  // a second request, for the real ready after this
    alice->sessions.connect(wrong);
    const auto failed = co_await alice->next();
    CHECK(failed.what == event_kind::failed);
    CHECK(failed.peer == "bob");
    INFO(failed.text);
    CHECK(failed.text.find("encrypted handshake") != std::string::npos);
    CHECK(bob->quiet());
    CHECK(bob->sessions.peers().empty());

    alice->sessions.connect(ready);  // the real token still works
    co_await expect_started(*alice, *bob);
    co_await say_privately(*alice, *bob, "that was not me");
  });
}

TEST_CASE("over TLS, the hello must name the user and the token that the key proved") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice", encrypted_p2p_config());
    auto bob = co_await join(s, "bob", encrypted_p2p_config());
    std::vector<std::string> tokens;
    for (int i = 0; i < 2; ++i) {
      const auto asked = co_await start_private(*alice, "bob");
      REQUIRE(asked.kind == line_kind::ok);
      const auto offer = co_await next_event_of(bob->server, "private-offer");
      REQUIRE(bob->sessions.accept_offer(offer).has_value());
      tokens.push_back(offer.text);
    }
    const std::string& first = tokens[0];
    const std::string& second = tokens[1];
    const std::string refused = "error refused\n";
    // The handshake succeeds with the first key, but the hello names another token, or
    // another user: refused inside TLS, and nothing is used up.
    CHECK(co_await sealed_knock(bob->port, first, "private-hello alice " + second + "\n") ==
          refused);
    CHECK(co_await sealed_knock(bob->port, first, "private-hello carol " + first + "\n") ==
          refused);
    CHECK(bob->quiet());

    alice->sessions.connect(ready_from("bob", bob->port, second));
    co_await expect_started(*alice, *bob);
    co_await say_privately(*alice, *bob, "the second one");
  });
}

TEST_CASE("a plaintext caller gets nothing from an encrypted listener") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice", encrypted_p2p_config());
    auto bob = co_await join(s, "bob", encrypted_p2p_config());
    const auto ready = co_await ready_to_call(*alice, *bob);

    // Even with the right name and token, in the clear there is no answer at all.
    const auto answer = co_await knock(bob->port, "private-hello alice " + ready.token + "\n");
    CHECK(answer.find("ok") == std::string::npos);
    CHECK(answer.find("error") == std::string::npos);
    CHECK(answer.find('\n') == std::string::npos);
    // One who says nothing is shown the door after the handshake time limit.
    const auto silent = co_await knock(bob->port, "");
    CHECK(silent.empty());
    CHECK(bob->quiet());

    alice->sessions.connect(ready);  // the token was not used up
    co_await expect_started(*alice, *bob);
    co_await say_privately(*bob, *alice, "only over TLS");
  });
}

TEST_CASE("a private-ready nobody asked for makes no connection") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    const auto ex = co_await net::this_coro::executor;
    tcp::acceptor trap(ex, tcp::endpoint(loopback, 0));
    const auto trap_port = trap.local_endpoint().port();

    // A hostile server sends alice's client somewhere she never asked to go.
    alice->sessions.connect(ready_from("bob", trap_port, std::string(32, 'a')));
    const auto ignored = co_await alice->next();
    CHECK(ignored.what == event_kind::unasked);
    CHECK(ignored.peer == "bob");
    // A request to bob does not let carol's address in.
    alice->sessions.expect_ready("bob");
    alice->sessions.connect(ready_from("carol", trap_port, std::string(32, 'c')));
    const auto not_carol = co_await alice->next();
    CHECK(not_carol.what == event_kind::unasked);
    CHECK(not_carol.peer == "carol");

    // The ready for the request is followed, and it is the first connection the trap sees.
    alice->sessions.connect(ready_from("bob", trap_port, std::string(32, 'b')));
    auto [aec, caller] = co_await trap.async_accept(use_nothrow);
    REQUIRE_FALSE(aec);
    std::string hello;
    auto [rec, n] =
        co_await net::async_read_until(caller, net::dynamic_buffer(hello, 4096), '\n', use_nothrow);
    REQUIRE_FALSE(rec);
    CHECK(hello == "private-hello alice " + std::string(32, 'b') + "\n");
    caller.close();
    const auto refused = co_await alice->next();
    CHECK(refused.what == event_kind::failed);

    // That request is used up: the same ready again is ignored.
    alice->sessions.connect(ready_from("bob", trap_port, std::string(32, 'b')));
    const auto again = co_await alice->next();
    CHECK(again.what == event_kind::unasked);
    CHECK(alice->sessions.peers().empty());
  });
}

TEST_CASE("a client keeps a few offers per peer: the oldest goes, other peers' stay") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await join(s, "alice");
    auto bob = co_await join(s, "bob");
    auto carol = co_await join(s, "carol");
    const auto bound = test_p2p_config().max_offers_per_peer;
    REQUIRE(bound == 4);

    const auto carol_asked = co_await start_private(*carol, "bob");
    REQUIRE(carol_asked.kind == line_kind::ok);
    const auto carol_offer = co_await next_event_of(bob->server, "private-offer");
    const auto carol_accept = bob->sessions.accept_offer(carol_offer);
    REQUIRE(carol_accept.has_value());

    std::vector<std::string> tokens;
    for (std::size_t i = 0; i < bound + 1; ++i) {
      const auto asked = co_await start_private(*alice, "bob");
      REQUIRE(asked.kind == line_kind::ok);
      const auto offer = co_await next_event_of(bob->server, "private-offer");
      CHECK(bob->sessions.accept_offer(offer).has_value());  // still accepted automatically
      tokens.push_back(offer.text);
    }
    // alice's oldest offer went when her fifth came.
    const auto oldest = co_await knock(bob->port, "private-hello alice " + tokens[0] + "\n");
    CHECK(oldest == "error refused\n");
    // The next one still works.
    alice->sessions.connect(ready_from("bob", bob->port, tokens[1]));
    co_await expect_started(*alice, *bob);

    // carol's offer, older than all of alice's, is still good.
    const auto accepted = co_await bob->server.request(*carol_accept);
    REQUIRE(accepted->kind == line_kind::ok);
    carol->sessions.connect(co_await next_event_of(carol->server, "private-ready"));
    co_await expect_started(*carol, *bob);
    co_await say_privately(*carol, *bob, "still mine");
  });
}
