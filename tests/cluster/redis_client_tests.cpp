// msgapp::redis against a real redis-server of each test's own: replies, pipelining,
// pub/sub, a server that stops, restarts or never answers, and a client dropped mid-flight.
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <msgapp/net.hpp>
#include <msgapp/redis/client.hpp>
#include <msgapp/redis/subscriber.hpp>

#include "redis_server.hpp"
#include "temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
namespace net = msgapp::net;
namespace redis = msgapp::redis;
using kind = redis::reply::kind;
using clock_type = std::chrono::steady_clock;

// The clients log their losses and redials; MSGAPP_TEST_LOG=info shows them.
const bool quiet_logs = [] {
  const char* level = std::getenv("MSGAPP_TEST_LOG");
  spdlog::set_level(level ? spdlog::level::from_str(level) : spdlog::level::off);
  return true;
}();

redis::endpoint where(const std::string& url) {
  auto e = redis::parse_url(url);
  REQUIRE(e.has_value());
  return *e;
}

// Runs handlers until `done()` holds; false if `limit` passes first (a hang is a failure).
template <typename Pred>
bool run_until(net::io_context& io, Pred done, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = clock_type::now() + limit;
  while (!done()) {
    if (clock_type::now() >= deadline) return false;
    io.restart();
    io.run_one_for(10ms);
  }
  return true;
}

redis::result call(net::io_context& io, redis::client& c, std::vector<std::string> args) {
  std::optional<redis::result> got;
  c.command(std::move(args), [&](redis::result r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  return std::move(*got);
}

redis::reply must(redis::result r) {
  INFO((r ? redis::to_string(*r) : r.error()));
  REQUIRE(r.has_value());
  return std::move(*r);
}

// A started client with its connection states recorded.
struct client_fixture {
  explicit client_fixture(net::io_context& io, const std::string& url,
                          redis::client_options opts = {})
      : c(io.get_executor(), where(url), opts) {
    c.on_state([this](bool up) { states.push_back(up); });
    c.start();
  }
  redis::client c;
  std::vector<bool> states;
};

// A started subscriber with its messages ("channel:payload") and states recorded.
struct subscriber_fixture {
  subscriber_fixture(net::io_context& io, const std::string& url, std::vector<std::string> channels)
      : s(io.get_executor(), where(url)) {
    s.on_message([this](std::string_view ch, std::string_view payload) {
      messages.push_back(std::string(ch) + ":" + std::string(payload));
    });
    s.on_state([this](bool up) { states.push_back(up); });
    s.subscribe(std::move(channels));
    s.start();
  }
  bool subscribed() const { return !states.empty() && states.back(); }
  redis::subscriber s;
  std::vector<std::string> messages;
  std::vector<bool> states;
};

}  // namespace

TEST_CASE("parse_url takes redis://HOST[:PORT] and unix:PATH, nothing else", "[redis]") {
  auto tcp = redis::parse_url("redis://10.0.0.7:7000");
  REQUIRE(tcp.has_value());
  CHECK(tcp->host == "10.0.0.7");
  CHECK(tcp->port == 7000);
  CHECK(tcp->unix_path.empty());
  CHECK(redis::to_string(*tcp) == "redis://10.0.0.7:7000");

  auto default_port = redis::parse_url("redis://localhost");
  REQUIRE(default_port.has_value());
  CHECK(default_port->host == "localhost");
  CHECK(default_port->port == 6379);

  auto v6 = redis::parse_url("redis://[::1]:6380");
  REQUIRE(v6.has_value());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 6380);
  CHECK(redis::to_string(*v6) == "redis://[::1]:6380");

  auto local = redis::parse_url("unix:/run/redis/redis.sock");
  REQUIRE(local.has_value());
  CHECK(local->unix_path == "/run/redis/redis.sock");
  CHECK(redis::to_string(*local) == "unix:/run/redis/redis.sock");

  for (const char* bad : {"", "localhost:6379", "http://x:1", "redis://", "redis://:6379",
                          "redis://h:", "redis://h:0", "redis://h:65536", "redis://h:12x",
                          "redis://user@h:1", "redis://h:1/0", "unix:", "redis://::1:5"}) {
    INFO(bad);
    const auto r = redis::parse_url(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().find("expected redis://HOST[:PORT] or unix:PATH") != std::string::npos);
  }
}

TEST_CASE("redis: SET, GET, INCR, and nil, array and error replies", "[redis]") {
  cluster_test::redis_server server;
  net::io_context io{1};
  client_fixture f(io, server.url());
  REQUIRE(run_until(io, [&] { return f.c.connected(); }));
  CHECK(f.states == std::vector<bool>{true});

  const auto set = must(call(io, f.c, {"SET", "greeting", "hello world"}));
  CHECK(set.type == kind::status);
  CHECK(set.text == "OK");
  const auto get = must(call(io, f.c, {"GET", "greeting"}));
  CHECK(get.type == kind::string);
  CHECK(get.text == "hello world");
  const std::string binary("a\0b\r\nc", 6);
  must(call(io, f.c, {"SET", "binary", binary}));
  CHECK(must(call(io, f.c, {"GET", "binary"})).text == binary);

  // Larger than the socket buffers and hiredis's 16 KiB reads: partial writes, many reads.
  std::string big(3 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096)
    big[i] = static_cast<char>('a' + i % 26);
  must(call(io, f.c, {"SET", "big", big}));
  CHECK(must(call(io, f.c, {"GET", "big"})).text == big);

  const auto one = must(call(io, f.c, {"INCR", "counter"}));
  CHECK(one.type == kind::integer);
  CHECK(one.integer == 1);
  CHECK(must(call(io, f.c, {"INCRBY", "counter", "41"})).integer == 42);

  CHECK(must(call(io, f.c, {"GET", "missing"})).type == kind::nil);

  must(call(io, f.c, {"RPUSH", "list", "x", "y"}));
  const auto list = must(call(io, f.c, {"LRANGE", "list", "0", "-1"}));
  REQUIRE(list.type == kind::array);
  REQUIRE(list.elements.size() == 2);
  CHECK(list.elements[0].text == "x");
  CHECK(list.elements[1].text == "y");
  CHECK(redis::to_string(list) == "[\"x\", \"y\"]");

  const auto wrong = must(call(io, f.c, {"INCR", "greeting"}));  // a value, not a failure
  CHECK(wrong.type == kind::error);
  CHECK(wrong.text.starts_with("ERR"));
  CHECK(must(call(io, f.c, {"NOSUCHCOMMAND"})).type == kind::error);
  CHECK(f.c.connected());  // error replies leave the connection as it was

  const auto subscribe = call(io, f.c, {"subscribe", "bus"});  // its replies never end
  REQUIRE_FALSE(subscribe.has_value());
  CHECK(subscribe.error() ==
        "SUBSCRIBE is not a command for redis::client (use redis::subscriber)");
  const auto empty = call(io, f.c, {});
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error() == "empty redis command");
  CHECK(must(call(io, f.c, {"ECHO", "still in step"})).text == "still in step");
}

TEST_CASE("redis: async_command in a coroutine, and EVAL of a Lua script", "[redis]") {
  cluster_test::redis_server server;
  net::io_context io{1};
  client_fixture f(io, server.url());
  REQUIRE(run_until(io, [&] { return f.c.connected(); }));

  // Claims a key only when it is free (the shape of a login lease), returning 1 or 0.
  const std::string claim =
      "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end "
      "return 0";
  // Each command in a named local first: g++ 12 mishandles braced lists inside co_await.
  const std::vector<std::vector<std::string>> commands{
      {"EVAL", claim, "1", "online:alice", "node-a", "5000"},
      {"EVAL", claim, "1", "online:alice", "node-b", "5000"},
      {"GET", "online:alice"},
      {"EVAL", "return {1, 'two', {3}}", "0"},
      {"EVAL", "return redis.error_reply('nope')", "0"}};
  auto scenario = [&]() -> net::awaitable<std::vector<redis::result>> {
    std::vector<redis::result> out;
    for (const auto& command : commands) {
      auto args = command;
      auto r = co_await f.c.async_command(std::move(args));
      out.push_back(std::move(r));
    }
    co_return out;
  };
  auto future = net::co_spawn(io, scenario, net::use_future);
  REQUIRE(run_until(io, [&] { return future.wait_for(0s) == std::future_status::ready; }));
  const auto out = future.get();
  REQUIRE(out.size() == 5);
  CHECK(must(out[0]).integer == 1);
  CHECK(must(out[1]).integer == 0);
  CHECK(must(out[2]).text == "node-a");
  const auto mixed = must(out[3]);
  CHECK(redis::to_string(mixed) == "[(integer) 1, \"two\", [(integer) 3]]");
  const auto refused = must(out[4]);
  CHECK(refused.type == kind::error);
  CHECK(refused.text.find("nope") != std::string::npos);
}

TEST_CASE("redis: 10,000 pipelined INCRs are answered in order, each once", "[redis]") {
  cluster_test::redis_server server;
  net::io_context io{1};
  client_fixture f(io, server.url());
  REQUIRE(run_until(io, [&] { return f.c.connected(); }));

  constexpr int count = 10'000;
  std::vector<std::int64_t> seen;
  int failures = 0;
  for (int i = 0; i < count; ++i) {
    f.c.command({"INCR", "pipelined"}, [&](redis::result r) {
      if (r && r->type == kind::integer) {
        seen.push_back(r->integer);
      } else {
        ++failures;
      }
    });
  }
  CHECK(seen.empty());  // never inline
  REQUIRE(run_until(
      io, [&] { return seen.size() + failures >= count; }, 20000ms));
  CHECK(failures == 0);
  REQUIRE(seen.size() == count);
  for (int i = 0; i < count; ++i) {
    if (seen[i] != i + 1) FAIL("reply " << i << " was " << seen[i]);
  }
  CHECK(must(call(io, f.c, {"GET", "pipelined"})).text == "10000");
}

TEST_CASE("redis: a subscriber gets PUBLISHed payloads in order on two channels", "[redis]") {
  cluster_test::redis_server server;
  net::io_context io{1};
  client_fixture pub(io, server.url());
  subscriber_fixture sub(io, server.url(), {"presence", "node:a"});
  REQUIRE(run_until(io, [&] { return pub.c.connected() && sub.subscribed(); }));
  CHECK(sub.states == std::vector<bool>{true});

  std::vector<std::string> expected;
  std::vector<std::int64_t> receivers;
  for (int i = 0; i < 100; ++i) {
    const std::string channel = i % 3 == 0 ? "node:a" : "presence";
    const std::string payload =
        "payload " + std::to_string(i) + (i == 7 ? std::string("\0x", 2) : "");
    expected.push_back(channel + ":" + payload);
    pub.c.command({"PUBLISH", channel, payload}, [&](redis::result r) {
      receivers.push_back(r && r->type == kind::integer ? r->integer : -1);
    });
  }
  REQUIRE(run_until(io, [&] { return sub.messages.size() >= expected.size(); }));
  CHECK(sub.messages == expected);
  REQUIRE(run_until(io, [&] { return receivers.size() == expected.size(); }));
  CHECK(receivers == std::vector<std::int64_t>(expected.size(), 1));  // one subscriber each
  CHECK(must(call(io, pub.c, {"PUBLISH", "nobody-listens", "x"})).integer == 0);

  // A channel added later is subscribed on the same connection, and confirmed again.
  sub.s.subscribe({"broadcast", "presence"});
  REQUIRE(run_until(io, [&] { return sub.states.size() == 2; }));
  CHECK(sub.states == std::vector<bool>{true, true});
  CHECK(must(call(io, pub.c, {"PUBLISH", "broadcast", "all"})).integer == 1);
  REQUIRE(run_until(io, [&] { return sub.messages.size() == expected.size() + 1; }));
  CHECK(sub.messages.back() == "broadcast:all");
}

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

TEST_CASE("redis: commands beyond max_pending fail at once, the others are answered", "[redis]") {
  cluster_test::redis_server server;
  net::io_context io{1};
  client_fixture f(io, server.url(), {.max_pending = 5});
  REQUIRE(run_until(io, [&] { return f.c.connected(); }));
  std::vector<std::string> outcomes(7);
  int finished = 0;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    f.c.command({"INCR", "n"}, [&, i](redis::result r) {
      outcomes[i] = r ? redis::to_string(*r) : r.error();
      ++finished;
    });
  }
  CHECK(finished == 0);
  REQUIRE(run_until(io, [&] { return finished == 7; }));
  CHECK(outcomes == std::vector<std::string>{"(integer) 1", "(integer) 2", "(integer) 3",
                                             "(integer) 4", "(integer) 5",
                                             "too many pending redis commands (limit 5)",
                                             "too many pending redis commands (limit 5)"});
  CHECK(f.c.connected());
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

TEST_CASE("redis: over TCP, with a stand-in server that answers one PING", "[redis]") {
  net::io_context io{1};
  msgapp::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  msgapp::tcp::socket peer(io);
  bool accepted = false;
  acceptor.async_accept(peer, [&](std::error_code ec) { accepted = !ec; });
  client_fixture f(io, "redis://127.0.0.1:" + std::to_string(port));
  REQUIRE(run_until(io, [&] { return f.c.connected() && accepted; }));

  std::optional<redis::result> got;
  f.c.command({"PING"}, [&](redis::result r) { got = std::move(r); });
  const std::string expected = "*1\r\n$4\r\nPING\r\n";
  REQUIRE(run_until(io, [&] { return peer.available() >= expected.size(); }));
  std::string request(expected.size(), '\0');
  net::read(peer, net::buffer(request));
  CHECK(request == expected);
  net::write(peer, net::buffer(std::string("+PONG\r\n")));
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  CHECK(must(*got).text == "PONG");

  peer.close();
  REQUIRE(run_until(io, [&] { return f.states.size() == 2; }));
  CHECK(f.states == std::vector<bool>{true, false});
}
