// msgapp::redis against a real redis-server of each test's own: URLs, replies, Lua,
// pipelining, limits, pub/sub, and the TCP path.
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "redis_server.hpp"
#include "redis_test_support.hpp"
#include "temp_dir.hpp"

using namespace redis_test;

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
