// Test support for private sessions: a logged-in user whose private-session events land in a
// queue the scenario reads, and the server-side dance msgclient does to open a session.
#pragma once

#include <memory>
#include <string>

#include <fmt/format.h>

#include <msgapp/client/p2p.hpp>

#include "../support/scenario.hpp"

namespace msgapp::test {

using msgapp::client::p2p_config;
using msgapp::client::p2p_event;
using msgapp::client::private_sessions;
using end_reason = p2p_event::end_reason;
using event_kind = p2p_event::kind;

// Short limits so refusals and lingering goodbyes cost milliseconds.
inline p2p_config test_p2p_config() {
  p2p_config c;
  c.handshake_timeout = 300ms;
  c.bye_linger = 200ms;
  return c;
}

// One user as msgclient has it: a server connection, and private sessions whose listener the
// server knows about. Not movable: the event handler points at `events`.
struct p2p_user {
  p2p_user(client conn, std::string user, net::any_io_executor ex, p2p_config cfg)
      : name(std::move(user)),
        server(std::move(conn)),
        events(ex, 256),
        sessions(
            ex, name, [this](const p2p_event& e) { record(e); }, cfg) {}
  p2p_user(const p2p_user&) = delete;
  p2p_user& operator=(const p2p_user&) = delete;

  void record(const p2p_event& e) {
    const bool kept = events.try_send(std::error_code{}, e);
    REQUIRE(kept);
  }

  // The next private-session event (the scenario guard fails a test that waits for ever).
  awaitable<p2p_event> next() {
    auto [ec, e] = co_await events.async_receive(use_nothrow);
    REQUIRE_FALSE(ec);
    co_return e;
  }

  bool quiet() const { return !events.ready(); }

  std::string name;
  client server;
  channel<p2p_event> events;
  private_sessions sessions;
  std::uint16_t port = 0;  // of the private-session listener
};

using user_ptr = std::unique_ptr<p2p_user>;

// Announces a private-session listener and then logs in, as msgclient does: the server knows
// the port before the user is online (issue 13).
inline awaitable<user_ptr> join(scenario_context& s, std::string name,
                                p2p_config cfg = test_p2p_config()) {
  auto conn = co_await s.connect();
  const auto ex = co_await net::this_coro::executor;
  auto user = std::make_unique<p2p_user>(std::move(conn), name, ex, cfg);
  const auto port = user->sessions.listen(user->server.local_endpoint()->address());
  REQUIRE(port.has_value());
  user->port = *port;
  const auto reply = co_await user->server.request(fmt::format("privateport {}", *port));
  REQUIRE(reply.has_value());
  REQUIRE(reply->kind == line_kind::ok);
  const auto welcome = co_await user->server.login(name, name + "-pw");
  REQUIRE(welcome.has_value());
  INFO(welcome->text);
  REQUIRE(welcome->kind == line_kind::ok);
  co_return user;
}

// p2p_config with TLS 1.3 sessions, as when the server connection is TLS.
inline p2p_config encrypted_p2p_config() {
  auto c = test_p2p_config();
  c.encrypted = true;
  return c;
}

// Asks the server for a session; returns its reply. As msgclient does, the private sessions
// learn of the request before it goes out, and forget it when the server refuses.
inline awaitable<server_line> start_private(p2p_user& asker, std::string peer) {
  asker.sessions.expect_ready(peer);
  auto reply = co_await asker.server.request("startprivate " + peer);
  REQUIRE(reply.has_value());
  if (reply->kind == line_kind::error) asker.sessions.forget_ready(peer);
  co_return std::move(*reply);
}

// Both sides report the session with the other started.
inline awaitable<void> expect_started(p2p_user& asker, p2p_user& peer) {
  const auto at_asker = co_await asker.next();
  CHECK(at_asker.what == event_kind::started);
  CHECK(at_asker.peer == peer.name);
  const auto at_peer = co_await peer.next();
  CHECK(at_peer.what == event_kind::started);
  CHECK(at_peer.peer == asker.name);
}

// What msgclient does between `startprivate` and the direct connection: the peer's client
// accepts the offer, the asker's client connects. Returns the token, once both sides report
// the session started.
inline awaitable<std::string> open_private(p2p_user& asker, p2p_user& peer) {
  const auto asked = co_await start_private(asker, peer.name);
  INFO(asked.text);
  REQUIRE(asked.kind == line_kind::ok);
  const auto offer = co_await next_event_of(peer.server, "private-offer");
  const auto accept = peer.sessions.accept_offer(offer);
  REQUIRE(accept.has_value());
  const auto accepted = co_await peer.server.request(*accept);
  REQUIRE(accepted.has_value());
  REQUIRE(accepted->kind == line_kind::ok);
  const auto ready = co_await next_event_of(asker.server, "private-ready");
  asker.sessions.connect(ready);
  co_await expect_started(asker, peer);
  co_return offer.text;
}

// Sends a private message and checks that the other side gets exactly that.
inline awaitable<void> say_privately(p2p_user& from, p2p_user& to, std::string text) {
  const auto sent = from.sessions.send(to.name, text);
  REQUIRE(sent.has_value());
  const auto got = co_await to.next();
  CHECK(got.what == event_kind::message);
  CHECK(got.peer == from.name);
  CHECK(got.text == text);
}

// Waits for the `ended` event of a session.
inline awaitable<void> expect_ended(p2p_user& user, std::string peer, end_reason why) {
  const auto e = co_await user.next();
  CHECK(e.what == event_kind::ended);
  CHECK(e.peer == peer);
  CHECK(e.end == why);
}

// A stranger's connection to a private listener: sends `line` (if any) and returns every byte
// the listener sends until it closes the connection.
inline awaitable<std::string> knock(std::uint16_t port, std::string line) {
  tcp::socket socket(co_await net::this_coro::executor);
  const tcp::endpoint listener(net::ip::make_address("127.0.0.1"), port);
  auto [cec] = co_await socket.async_connect(listener, use_nothrow);
  REQUIRE_FALSE(cec);
  if (!line.empty()) {
    auto [wec, written] = co_await net::async_write(socket, net::buffer(line), use_nothrow);
    REQUIRE_FALSE(wec);
  }
  std::string answer;
  auto [rec, n] = co_await net::async_read(socket, net::dynamic_buffer(answer, 4096), use_nothrow);
  // Closing with unread bytes (the over-long line) resets instead; the answer came before.
  CHECK((rec == net::error::eof || rec == net::error::connection_reset));
  co_return answer;
}

}  // namespace msgapp::test
