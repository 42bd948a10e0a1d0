// Test support: an in-process server on 127.0.0.1:0 with millisecond durations, logged-in
// clients, and a guard that turns a hung scenario into a failure instead of a hung CI.
#pragma once

#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>

#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <msgapp/client/client.hpp>
#include <msgapp/net.hpp>
#include <msgapp/net/sleep.hpp>
#include <msgapp/server/server.hpp>

namespace msgapp::test {

using namespace std::chrono_literals;
using msgapp::awaitable;
using msgapp::channel;
using msgapp::tcp;
using msgapp::use_nothrow;
namespace net = msgapp::net;
namespace server = msgapp::server;
using client = msgapp::client::client;
using line_kind = msgapp::protocol::line_kind;
using server_line = msgapp::protocol::server_line;
// Lets time pass on the server (time-outs, blocks); never used to wait for a message.
using msgapp::sleep_for;

// Durations in milliseconds so the whole suite stays fast; tests shrink them further.
inline server::config test_config() {
  server::config c;
  c.bind_address = "127.0.0.1";
  c.port = 0;
  c.block_duration = 300ms;
  c.timeout = 10s;
  c.shutdown_grace = 500ms;
  // Scenarios of other things send thousands of commands at once; flood_scenarios.cpp sets
  // its own rates.
  c.command_rate = 0;
  return c;
}

// test_config() with an idle time-out of `t`, for the scenarios about time-outs.
inline server::config timeout_config(std::chrono::milliseconds t) {
  auto c = test_config();
  c.timeout = t;
  return c;
}

// A store that keeps nothing past the test (SQLite in memory, the same code as on disk).
inline server::storage memory_storage() {
  msgapp::store::sqlite_options o;
  o.in_memory = true;
  auto s = server::open_storage(o);
  REQUIRE(s.has_value());
  return std::move(*s);
}

inline server::credentials test_accounts() {
  return {{"alice", "alice-pw"}, {"bob", "bob-pw"}, {"carol", "carol-pw"}, {"dave", "dave-pw"}};
}

// What a scenario gets: the server's port, and the server itself (to stop it).
struct scenario_context {
  std::uint16_t port;
  server::server& srv;

  awaitable<client> connect() {
    auto c = co_await client::connect("127.0.0.1", port);
    REQUIRE(c.has_value());
    co_return std::move(*c);
  }

  // A client logged in as `user` (password `<user>-pw`).
  awaitable<client> login(std::string user) {
    auto c = co_await connect();
    auto reply = co_await c.login(user, user + "-pw");
    REQUIRE(reply.has_value());
    INFO(reply->text);
    REQUIRE(reply->kind == line_kind::ok);
    co_return c;
  }

  // A bare socket logged in as `user` that never reads: its small receive buffer makes the
  // kernel's side fill sooner. Other users hear of the login as usual.
  awaitable<tcp::socket> login_non_reader(std::string user) {
    tcp::socket sock(co_await net::this_coro::executor);
    sock.open(tcp::v4());
    sock.set_option(net::socket_base::receive_buffer_size(4096));
    auto [cec] = co_await sock.async_connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port), use_nothrow);
    REQUIRE_FALSE(cec);
    const std::string login_line = "login " + user + " " + user + "-pw\n";
    auto [wec, n] = co_await net::async_write(sock, net::buffer(login_line), use_nothrow);
    REQUIRE_FALSE(wec);
    co_return sock;
  }
};

using scenario_fn = std::function<awaitable<void>(scenario_context&)>;

namespace detail {
// Runs `body` and returns its exception instead of throwing: `||` only ends on a *success*,
// so a throwing operand would otherwise wait for the timer (Asio 1.22).
inline awaitable<std::exception_ptr> capture(scenario_fn body, scenario_context& ctx) {
  std::exception_ptr failure;
  try {
    co_await body(ctx);
  } catch (...) {
    failure = std::current_exception();
  }
  co_return failure;
}

inline awaitable<std::exception_ptr> guarded(scenario_fn body, scenario_context& ctx,
                                             std::chrono::milliseconds limit) {
  using namespace net::experimental::awaitable_operators;
  net::steady_timer timer(co_await net::this_coro::executor, limit);
  auto result = co_await (capture(std::move(body), ctx) || timer.async_wait(use_nothrow));
  if (result.index() == 1) {
    co_return std::make_exception_ptr(std::runtime_error("scenario did not finish in time"));
  }
  co_return std::get<0>(result);
}
}  // namespace detail

// Starts a server, runs the scenario against it, stops the server and waits until every
// connection has closed. Failures inside the scenario are rethrown here, for Catch2.
inline void run_scenario(scenario_fn body, server::config cfg = test_config(),
                         server::credentials accounts = test_accounts(),
                         std::chrono::milliseconds limit = 10s,
                         std::function<server::storage()> open_store = memory_storage) {
  // MSGAPP_TEST_LOG=debug shows the server's log while a scenario runs.
  const char* log_level = std::getenv("MSGAPP_TEST_LOG");
  spdlog::set_level(log_level ? spdlog::level::from_str(log_level) : spdlog::level::off);
  net::io_context io{1};
  server::server srv(io.get_executor(), cfg, accounts, open_store());
  const auto endpoint = srv.listen();
  REQUIRE(endpoint.has_value());
  scenario_context ctx{endpoint->port(), srv};

  std::exception_ptr failure;
  bool server_done = false;
  net::co_spawn(io, srv.run(), [&](std::exception_ptr e) {
    server_done = true;
    if (e && !failure) failure = e;
  });
  net::co_spawn(io, detail::guarded(std::move(body), ctx, limit),
                [&](std::exception_ptr e, std::exception_ptr scenario_failure) {
                  if (!failure) failure = e ? e : scenario_failure;
                  srv.stop();
                });
  io.run_for(limit + 5s);
  if (failure) std::rethrow_exception(failure);
  REQUIRE(server_done);  // shutdown closed every connection and the hub finished
}

// Reads events until one of kind `word` arrives (other events are skipped).
inline awaitable<server_line> next_event_of(client& c, std::string word) {
  for (;;) {
    auto e = co_await c.next_event();
    REQUIRE(e.has_value());
    if (e->word == word) co_return std::move(*e);
  }
}

// Reads (and drops) lines until the server closes the connection; the scenario guard
// fails the test if it never does.
inline awaitable<void> expect_closed(client& c) {
  for (;;) {
    auto line = co_await c.read_line();
    if (!line) co_return;
  }
}

// The reply to a request, which must come (any kind: callers check ok or error).
inline awaitable<server_line> must(awaitable<msgapp::client::result<server_line>> pending) {
  auto reply = co_await std::move(pending);
  REQUIRE(reply.has_value());
  co_return std::move(*reply);
}

// The reply to `line` must come and say `text` (an ok) or carry `code` (an error).
inline awaitable<void> expect_text(client& c, std::string line, std::string text) {
  const auto r = co_await must(c.request(line));
  INFO(line);
  CHECK(r.text == text);
}
inline awaitable<void> expect_code(client& c, std::string line, std::string code) {
  const auto r = co_await must(c.request(line));
  INFO(line);
  CHECK(r.code == code);
}

// Sends `line` `times` times, `gap` apart, each answered `ok <text>`: that keeps a user from
// timing out, and no event arrives meanwhile.
inline awaitable<void> keep_active(client& c, std::string line, std::string text, int times,
                                   std::chrono::milliseconds gap) {
  for (int i = 0; i < times; ++i) {
    co_await sleep_for(gap);
    const auto r = co_await must(c.request(line));
    REQUIRE(r.kind == line_kind::ok);
    REQUIRE(r.text == text);
  }
  CHECK(c.pending_events() == 0);
}

// The server's time-out notice, whose text says `why`, and then the connection closes.
inline awaitable<void> expect_timed_out(client& c, std::string why) {
  const auto notice = co_await next_event_of(c, "timeout");
  CHECK(notice.text.find(why) != std::string::npos);
  co_await expect_closed(c);
}

// `from` messages `to` (online), which gets exactly `text`.
inline awaitable<void> expect_delivered(client& from, client& to, std::string to_name,
                                        std::string text) {
  const auto sent = co_await must(from.request("message " + to_name + " " + text));
  CHECK(sent.text == "delivered to " + to_name);
  const auto got = co_await next_event_of(to, "msg");
  CHECK(got.text == text);
}

// The words of the events request() has kept so far (and forgets them).
inline awaitable<std::vector<std::string>> kept_event_words(client& c) {
  std::vector<std::string> words;
  while (c.pending_events() > 0) {
    auto e = co_await c.next_event();
    REQUIRE(e.has_value());
    words.push_back(e->word);
  }
  co_return words;
}

inline awaitable<void> send_raw(client& c, std::string bytes) {
  const auto failed = co_await c.send_raw(std::move(bytes));
  REQUIRE_FALSE(failed);
}

}  // namespace msgapp::test
