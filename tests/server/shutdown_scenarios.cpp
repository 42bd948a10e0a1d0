// Scenario over real sockets: shutdown while hundreds of clients flood the server.
#include <array>
#include <cstring>

#include <fmt/format.h>

#include <msgapp/net/sleep.hpp>
#include "../support/scenario.hpp"

using namespace msgapp::test;

namespace {

constexpr int flooders = 300;
#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
constexpr std::string_view notice = "shutdown the server is shutting down";

server::credentials flood_accounts() {
  server::credentials accounts;
  for (int i = 0; i < flooders; ++i)
    accounts.emplace(fmt::format("u{}", i), fmt::format("u{}-pw", i));
  return accounts;
}

// Writes broadcasts without pause, a whole batch per write, until the connection ends.
awaitable<void> flood(tcp::socket& s) {
  std::string burst;
  for (int i = 0; i < 256; ++i)
    burst += "broadcast x\n";
  for (;;) {
    auto [ec, n] = co_await net::async_write(s, net::buffer(burst), use_nothrow);
    if (ec) co_return;
  }
}

// Reads everything until the server closes the connection, then closes ours (which ends the
// flood). True when one of the lines was the shutdown notice.
awaitable<bool> read_until_closed(tcp::socket& s) {
  std::array<char, 16 * 1024> buffer;
  std::string line;  // the start of the current line: enough to recognise the notice
  bool told = false;
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(net::buffer(buffer), use_nothrow);
    if (ec) break;
    std::string_view rest(buffer.data(), n);
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      const auto piece = rest.substr(0, end);
      line.append(piece.substr(0, std::min(piece.size(), notice.size() + 1 - line.size())));
      if (end == std::string_view::npos) break;
      told = told || line == notice;
      line.clear();
      rest.remove_prefix(end + 1);
    }
  }
  std::error_code ignored;
  s.close(ignored);
  co_return told;
}

// A raw socket, logged in as `name`: the flood needs the socket itself, which the client
// library keeps to itself. Empty when connecting or logging in failed.
awaitable<std::optional<tcp::socket>> raw_login(std::uint16_t port, std::string name) {
  tcp::socket s(co_await net::this_coro::executor);
  auto [cec] = co_await s.async_connect({net::ip::make_address("127.0.0.1"), port}, use_nothrow);
  if (cec) co_return std::nullopt;
  const std::string login = fmt::format("login {} {}-pw\n", name, name);
  auto [wec, written] = co_await net::async_write(s, net::buffer(login), use_nothrow);
  if (wec) co_return std::nullopt;
  std::string in;
  for (int line = 0; line < 2; ++line) {  // the greeting, then the login's reply
    auto [rec, n] = co_await net::async_read_until(s, net::dynamic_buffer(in), '\n', use_nothrow);
    if (rec) co_return std::nullopt;
    if (line == 1 && in.rfind("ok ", 0) != 0) co_return std::nullopt;
    in.erase(0, n);
  }
  co_return std::move(s);
}

awaitable<bool> flood_until_closed(tcp::socket& s) {
  using namespace net::experimental::awaitable_operators;
  co_return co_await (read_until_closed(s) && flood(s));
}

struct outcome {
  int logged_in = 0;
  int told = 0;
  bool finished_in_time = false;
};

// Everything the scenario touches lives in the test's frame, which outlives io.run().
struct flood_test {
  net::io_context io{1};
  server::config cfg = [] {
    auto c = test_config();
    c.shutdown_grace = 200ms;
    return c;
  }();
  server::server srv{io.get_executor(), cfg, flood_accounts(), memory_storage()};
  std::uint16_t port = 0;
  std::vector<tcp::socket> clients;
  channel<bool> told{io, flooders};  // one per flooder: was it told?
  channel<bool> server_done{io, 1};  // srv.run() returned
  // Generous, because the 300 flooding clients share the server's thread here: under ASan
  // they alone can take seconds to read what they were sent. The old code, which queued
  // shutdown behind the flood, needed about 15 s in release.
  std::chrono::milliseconds margin = sanitized ? 10s : 3s;

  awaitable<outcome> scenario() {
    outcome result;
    const auto ex = co_await net::this_coro::executor;
    clients.reserve(flooders);
    for (int i = 0; i < flooders; ++i) {
      auto c = co_await raw_login(port, fmt::format("u{}", i));
      if (!c) co_return result;
      clients.push_back(std::move(*c));
      ++result.logged_in;
    }
    for (auto& c : clients) {
      auto report = [this](std::exception_ptr e, bool was_told) {
        told.try_send(net::error_code{}, !e && was_told);
      };
      net::co_spawn(ex, flood_until_closed(c), std::move(report));
    }
    co_await msgapp::sleep_for(300ms);  // the flood fills the hub's inbox

    srv.stop();
    using namespace net::experimental::awaitable_operators;
    const auto done = co_await (server_done.async_receive(use_nothrow) ||
                                msgapp::sleep_for(cfg.shutdown_grace + margin));
    result.finished_in_time = done.index() == 0;
    for (int i = 0; i < flooders; ++i) {
      auto [ec, was_told] = co_await told.async_receive(use_nothrow);
      if (ec) break;
      result.told += was_told ? 1 : 0;
    }
    co_return result;
  }
};

}  // namespace

TEST_CASE("shutdown during a flood tells every client and ends within the grace period") {
  const char* log_level = std::getenv("MSGAPP_TEST_LOG");
  spdlog::set_level(log_level ? spdlog::level::from_str(log_level) : spdlog::level::off);
  flood_test t;
  const auto endpoint = t.srv.listen();
  REQUIRE(endpoint.has_value());
  t.port = endpoint->port();

  std::exception_ptr failure;
  auto server_ended = [&t, &failure](std::exception_ptr e) {
    if (e && !failure) failure = e;
    t.server_done.try_send(net::error_code{}, true);
  };
  net::co_spawn(t.io, t.srv.run(), std::move(server_ended));
  std::optional<outcome> result;
  auto scenario_ended = [&](std::exception_ptr e, outcome r) {
    if (e && !failure) failure = e;
    result = r;
    t.srv.stop();  // in case the scenario ended early
  };
  net::co_spawn(t.io, t.scenario(), std::move(scenario_ended));
  t.io.run_for(60s);  // a generous guard: the scenario normally takes well under a second
  if (failure) std::rethrow_exception(failure);
  REQUIRE(result.has_value());
  CHECK(result->logged_in == flooders);
  CHECK(result->told == flooders);
  CHECK(result->finished_in_time);
}
