// msgapp::redis when things go wrong: a server that stops, restarts, is late, never answers or
// closes under a write, a quiet bus, and a client dropped with commands in flight.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "redis_server.hpp"
#include "redis_test_support.hpp"
#include "temp_dir.hpp"

using namespace redis_test;

TEST_CASE("redis: a stopped server fails pending and new commands, then both recover", "[redis]") {
  cluster_test::redis_server server;
  net::io_context io{1};
  client_fixture f(io, server.url(),
                   {.connect_timeout = 500ms, .command_timeout = 10000ms, .reconnect_delay = 50ms});
  subscriber_fixture sub(io, server.url(), {"bus"});
  REQUIRE(run_until(io, [&] { return f.c.connected() && sub.subscribed(); }));

  std::optional<redis::result> blocked;  // BLPOP waits for ever: pending when the server goes
  f.c.command({"BLPOP", "never-pushed", "0"}, [&](redis::result r) { blocked = std::move(r); });
  {  // Another connection asks until the server counts the BLPOP as blocked.
    client_fixture watcher(io, server.url());
    REQUIRE(run_until(io, [&] { return watcher.c.connected(); }));
    std::string info;
    REQUIRE(run_until(io, [&] {
      info = must(call(io, watcher.c, {"INFO", "clients"})).text;
      return info.find("blocked_clients:1") != std::string::npos;
    }));
  }
  REQUIRE_FALSE(blocked.has_value());
  server.stop();

  REQUIRE(run_until(io, [&] { return blocked.has_value(); }));
  REQUIRE_FALSE(blocked->has_value());
  CHECK(blocked->error().find("connection lost") != std::string::npos);
  REQUIRE(run_until(io, [&] { return !f.c.connected() && sub.states.size() == 2; }));
  CHECK(f.states == std::vector<bool>{true, false});
  CHECK(sub.states == std::vector<bool>{true, false});

  std::optional<redis::result> refused;
  f.c.command({"GET", "x"}, [&](redis::result r) { refused = std::move(r); });
  CHECK_FALSE(refused.has_value());  // posted, not inline
  REQUIRE(run_until(io, [&] { return refused.has_value(); }));
  REQUIRE_FALSE(refused->has_value());
  CHECK(refused->error() == "not connected to redis at " + server.url());

  // Both redial by themselves; the subscriber subscribes its channel again.
  server.start();
  REQUIRE(run_until(io, [&] { return f.c.connected() && sub.subscribed(); }));
  CHECK(f.states == std::vector<bool>{true, false, true});
  CHECK(sub.states == std::vector<bool>{true, false, true});
  must(call(io, f.c, {"SET", "k", "after restart"}));
  CHECK(must(call(io, f.c, {"GET", "k"})).text == "after restart");
  CHECK(must(call(io, f.c, {"PUBLISH", "bus", "back"})).integer == 1);
  REQUIRE(run_until(io, [&] { return !sub.messages.empty(); }));
  CHECK(sub.messages == std::vector<std::string>{"bus:back"});
}

TEST_CASE("redis: a client started before its server connects once the server is up", "[redis]") {
  cluster_test::redis_server server;
  server.stop();
  net::io_context io{1};
  client_fixture f(io, server.url(), {.reconnect_delay = 20ms});
  const auto early = call(io, f.c, {"PING"});
  REQUIRE_FALSE(early.has_value());
  CHECK(early.error().starts_with("not connected"));
  server.start();
  REQUIRE(run_until(io, [&] { return f.c.connected(); }));
  CHECK(must(call(io, f.c, {"PING"})).text == "PONG");
  CHECK(f.states == std::vector<bool>{true});
}

TEST_CASE("redis: a server that never answers makes commands time out", "[redis]") {
  msgapp::test::temp_dir dir("msgapp-redis-mute");
  net::io_context io{1};
  // Listens (the kernel completes connects) but never accepts, so nothing is ever read.
  const auto path = dir.path_of("mute.sock");
  net::local::stream_protocol::acceptor mute(io, net::local::stream_protocol::endpoint(path));
  client_fixture f(io, "unix:" + path, {.command_timeout = 150ms, .reconnect_delay = 50ms});
  REQUIRE(run_until(io, [&] { return f.c.connected(); }));

  std::vector<redis::result> got;
  for (int i = 0; i < 3; ++i) {
    f.c.command({"PING"}, [&](redis::result r) { got.push_back(std::move(r)); });
  }
  REQUIRE(run_until(io, [&] { return got.size() == 3; }));
  for (const auto& r : got) {
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == "timed out: no reply from redis at unix:" + path + " within 150 ms");
  }
  CHECK(f.states == std::vector<bool>{true, false});

  // A subscriber there never gets its confirmation, and its check counts the connection lost.
  redis::subscriber sub(io.get_executor(), where("unix:" + path), {.command_timeout = 100ms});
  std::vector<bool> sub_states;
  sub.on_state([&](bool up) { sub_states.push_back(up); });
  sub.subscribe({"bus"});
  sub.start();
  REQUIRE(run_until(io, [&] { return !sub_states.empty(); }));
  CHECK(sub_states == std::vector<bool>{false});
}

TEST_CASE("redis: a quiet subscriber stays subscribed (its PINGs are answered)", "[redis]") {
  cluster_test::redis_server server;
  net::io_context io{1};
  redis::subscriber sub(io.get_executor(), where(server.url()), {.command_timeout = 100ms});
  std::vector<bool> states;
  std::vector<std::string> messages;
  sub.on_state([&](bool up) { states.push_back(up); });
  sub.on_message([&](std::string_view, std::string_view p) { messages.emplace_back(p); });
  sub.subscribe({"quiet"});
  sub.start();
  REQUIRE(run_until(io, [&] { return !states.empty(); }));
  client_fixture pub(io, server.url());
  REQUIRE(run_until(io, [&] { return pub.c.connected(); }));
  // Many checks pass meanwhile; messages still arrive, and no PING reply shows as a message.
  for (int i = 0; i < 20; ++i) {
    const int before = static_cast<int>(messages.size());
    must(call(io, pub.c, {"PUBLISH", "quiet", std::to_string(i)}));
    REQUIRE(run_until(io, [&] { return static_cast<int>(messages.size()) > before; }));
    const auto pause = clock_type::now() + 25ms;
    REQUIRE(run_until(io, [&] { return clock_type::now() >= pause; }));
  }
  CHECK(states == std::vector<bool>{true});
  CHECK(messages.size() == 20);
}

TEST_CASE("redis: a subscriber with nothing published for many checks stays subscribed",
          "[redis]") {
  // Subscribed, hiredis 0.14 drops a PING's pong (it takes it for a pattern's reply), so a
  // quiet bus counted as lost every other check; the keep-alive is a SUBSCRIBE again.
  cluster_test::redis_server server;
  net::io_context io{1};
  redis::subscriber sub(io.get_executor(), where(server.url()), {.command_timeout = 100ms});
  std::vector<bool> states;
  std::vector<std::string> messages;
  sub.on_state([&](bool up) { states.push_back(up); });
  sub.on_message([&](std::string_view, std::string_view p) { messages.emplace_back(p); });
  sub.subscribe({"silent"});
  sub.start();
  REQUIRE(run_until(io, [&] { return !states.empty(); }));
  const auto quiet_until = clock_type::now() + 1000ms;  // ten checks with nothing published
  REQUIRE(run_until(io, [&] { return clock_type::now() >= quiet_until; }));
  CHECK(states == std::vector<bool>{true});
  CHECK(messages.empty());
}

TEST_CASE("redis: a slow command times out, and the client reconnects and works", "[redis]") {
  cluster_test::redis_server server;
  net::io_context io{1};
  client_fixture f(io, server.url(), {.command_timeout = 100ms, .reconnect_delay = 20ms});
  REQUIRE(run_until(io, [&] { return f.c.connected(); }));
  const auto slow = call(io, f.c, {"DEBUG", "SLEEP", "0.5"});
  REQUIRE_FALSE(slow.has_value());
  CHECK(slow.error().starts_with("timed out"));
  // The server sleeps on (it runs one command at a time), so PINGs may time out too until
  // it wakes; then the client, redialled by itself, works again.
  std::optional<redis::reply> pong;
  REQUIRE(run_until(io, [&] {
    if (!f.c.connected()) return false;
    if (auto r = call(io, f.c, {"PING"})) pong = std::move(*r);
    return pong.has_value();
  }));
  CHECK(pong->text == "PONG");
  REQUIRE(f.states.size() >= 3);
  CHECK(f.states[0]);
  CHECK_FALSE(f.states[1]);
  CHECK(f.states.back());
}

TEST_CASE("redis: a client destroyed with commands pending calls none of them back", "[redis]") {
  cluster_test::redis_server server;
  net::io_context io{1};
  client_fixture probe(io, server.url());
  int called = 0;
  {
    auto doomed = std::make_unique<client_fixture>(io, server.url());
    REQUIRE(run_until(io, [&] { return doomed->c.connected(); }));
    for (int i = 0; i < 1000; ++i)
      doomed->c.command({"INCR", "d"}, [&](redis::result) { ++called; });
    doomed->c.command({"BLPOP", "never", "0"}, [&](redis::result) { ++called; });
    doomed->c.command({"PING"}, [&](redis::result) { ++called; });  // queued behind the BLPOP
    // Let some replies arrive (and be read), then drop it with the rest still pending.
    REQUIRE(run_until(io, [&] { return called >= 1; }));
    doomed.reset();
  }
  const int when_dropped = called;
  CHECK(when_dropped <= 1000);
  REQUIRE(run_until(io, [&] { return probe.c.connected(); }));
  must(call(io, probe.c, {"PING"}));
  must(call(io, probe.c, {"GET", "d"}));
  CHECK(called == when_dropped);

  // Dropped from inside one of its own callbacks (inside hiredis's read): the rest are dropped.
  int inside = 0;
  auto owner = std::make_unique<client_fixture>(io, server.url());
  REQUIRE(run_until(io, [&] { return owner->c.connected(); }));
  for (int i = 0; i < 100; ++i) {
    owner->c.command({"PING"}, [&](redis::result) {
      ++inside;
      owner.reset();
    });
  }
  REQUIRE(run_until(io, [&] { return inside >= 1; }));
  must(call(io, probe.c, {"PING"}));
  CHECK(inside == 1);
  CHECK(owner == nullptr);
}

TEST_CASE("redis: a peer that closes under a write fails the command, no SIGPIPE", "[redis]") {
  msgapp::test::temp_dir dir("msgapp-redis-peer");
  net::io_context io{1};
  const auto path = dir.path_of("closing.sock");
  net::local::stream_protocol::acceptor acceptor(io, net::local::stream_protocol::endpoint(path));
  client_fixture f(io, "unix:" + path, {.reconnect_delay = 1000ms});
  REQUIRE(run_until(io, [&] { return f.c.connected(); }));
  acceptor.accept().close();  // gone before the client has read anything
  std::optional<redis::result> got;
  f.c.command({"PING"}, [&](redis::result r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  REQUIRE_FALSE(got->has_value());
  CHECK(got->error().starts_with("connection lost"));
  CHECK(f.states == std::vector<bool>{true, false});
}
