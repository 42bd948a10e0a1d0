// Scenarios over real sockets about who may connect and how long they may take to log in:
// connections per address, the login deadline and stall, throttled logins, keepalive.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "../support/scenario.hpp"

using namespace msgapp::test;

namespace {

// A bare connection from a loopback address of our choosing (127.0.0.2 and 127.0.0.3 are
// different addresses to the server), reading lines as they come.
struct raw_client {
  tcp::socket sock;
  std::string buffer;

  // The next line without its '\n', or nothing once the server has closed.
  awaitable<std::optional<std::string>> line() {
    auto [ec, n] =
        co_await net::async_read_until(sock, net::dynamic_buffer(buffer), '\n', use_nothrow);
    if (ec) co_return std::nullopt;
    std::string text = buffer.substr(0, n - 1);
    buffer.erase(0, n);
    co_return text;
  }
  awaitable<void> send(std::string bytes) {
    auto [ec, n] = co_await net::async_write(sock, net::buffer(bytes), use_nothrow);
    REQUIRE_FALSE(ec);
  }
  // The reply to `line`, which must come.
  awaitable<std::string> request(std::string text) {
    co_await send(text + "\n");
    auto reply = co_await line();
    REQUIRE(reply.has_value());
    co_return *reply;
  }
  awaitable<void> expect_closed() {
    for (;;) {  // not `while (co_await line())`: g++ 12 miscompiles a co_await in the condition
      const auto next = co_await line();
      if (!next) co_return;
    }
  }
  bool has_input() {  // bytes from the server not yet read, without waiting
    std::error_code ignored;
    return !buffer.empty() || sock.available(ignored) > 0;
  }
};

awaitable<raw_client> connect_from(std::string local, std::uint16_t port) {
  // In named locals: g++ 12 corrupts a braced aggregate that holds a co_await.
  const auto ex = co_await net::this_coro::executor;
  raw_client c{tcp::socket(ex), {}};
  c.sock.open(tcp::v4());
  c.sock.bind(tcp::endpoint(net::ip::make_address(local), 0));
  auto [ec] = co_await c.sock.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                            use_nothrow);
  REQUIRE_FALSE(ec);
  const auto hello = co_await c.line();
  REQUIRE(hello.has_value());
  CHECK(hello->rfind("hello msgapp", 0) == 0);
  co_return c;
}

// Whether the server accepted the connection: refused ones get one error line, then eof.
awaitable<bool> admitted(raw_client& c) {
  const auto reply = co_await c.request("whoelse");
  if (reply.rfind("error not-logged-in", 0) == 0) co_return true;
  CHECK(reply.rfind("error too-many-connections ", 0) == 0);
  co_await c.expect_closed();
  co_return false;
}

}  // namespace

TEST_CASE("past connections_per_address, an address is refused; other addresses are not") {
  auto cfg = test_config();
  cfg.connections_per_address = 2;
  cfg.limit_loopback = true;  // 127.0.0.2 is loopback too
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto first = co_await connect_from("127.0.0.2", s.port);
        auto second = co_await connect_from("127.0.0.2", s.port);
        auto third = co_await connect_from("127.0.0.2", s.port);
        const auto r1 = co_await admitted(first);
        CHECK(r1);
        const auto r2 = co_await admitted(second);
        CHECK(r2);
        const auto r3 = co_await admitted(third);
        CHECK_FALSE(r3);

        auto elsewhere = co_await connect_from("127.0.0.3", s.port);
        const auto r4 = co_await elsewhere.request("login alice alice-pw");
        CHECK(r4 == "ok welcome alice");

        // A connection that ends makes room (once the server has seen it go).
        std::error_code ignored;
        first.sock.close(ignored);
        bool room = false;
        for (int i = 0; i < 100 && !room; ++i) {
          auto again = co_await connect_from("127.0.0.2", s.port);
          room = co_await admitted(again);
          if (!room) co_await sleep_for(10ms);
        }
        CHECK(room);
      },
      cfg);
}

TEST_CASE("loopback is exempt from connections_per_address by default") {
  auto cfg = test_config();
  cfg.connections_per_address = 1;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto a = co_await connect_from("127.0.0.2", s.port);
        auto b = co_await connect_from("127.0.0.2", s.port);
        const auto r5 = co_await admitted(a);
        CHECK(r5);
        const auto r6 = co_await admitted(b);
        CHECK(r6);
      },
      cfg);
}

TEST_CASE("a connection that never logs in is closed at the login deadline, whatever it sends") {
  auto cfg = test_config();
  cfg.login_deadline = 300ms;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto user = co_await s.login("alice");
        auto c = co_await connect_from("127.0.0.2", s.port);
        std::optional<std::string> line;
        // Bad commands and empty lines, each answered, until the server closes.
        for (int i = 0;; ++i) {
          co_await c.send(i % 2 == 0 ? "frobnicate\n" : "\n");
          line = co_await c.line();
          REQUIRE(line.has_value());
          if (line->rfind("error ", 0) != 0) break;
          co_await sleep_for(20ms);
        }
        CHECK(*line == "timeout not logged in within 300 ms; closed");
        co_await c.expect_closed();
        // A user who logged in in time is not affected.
        co_await expect_text(user, "whoelse", "users");
      },
      cfg);
}

TEST_CASE("part of a line that stalls before login closes the connection sooner") {
  auto cfg = test_config();
  cfg.login_deadline = 8s;
  cfg.login_stall = 200ms;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto slow = co_await connect_from("127.0.0.2", s.port);
        co_await slow.send("login ali");
        const auto notice = co_await slow.line();
        REQUIRE(notice.has_value());
        CHECK(*notice == "timeout part of a line waited 0.2 s for its end before login; closed");
        co_await slow.expect_closed();

        // A line whose rest comes in time is fine, and no stall applies once logged in.
        auto typist = co_await connect_from("127.0.0.2", s.port);
        co_await typist.send("login al");
        co_await sleep_for(50ms);
        const auto r7 = co_await typist.request("ice alice-pw");
        CHECK(r7 == "ok welcome alice");
        co_await typist.send("whoe");
        co_await sleep_for(300ms);
        const auto r8 = co_await typist.request("lse");
        CHECK(r8 == "ok users");
      },
      cfg);
}

TEST_CASE("an address that failed too often waits for its attempts; others log in at once") {
  auto cfg = test_config();
  cfg.address_failures_free = 2;
  cfg.login_delay_base = 500ms;
  cfg.login_delay_max = 500ms;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto a1 = co_await connect_from("127.0.0.2", s.port);
        for (int i = 0; i < 2; ++i) {  // the free failures
          const auto r9 = co_await a1.request("login nobody x");
          CHECK(r9 == "error unknown-user no user named 'nobody'");
        }
        // Throttled now: each attempt waits for the address's next slot, 500 ms apart,
        // whichever connection it comes from. The first goes at once.
        const auto r10 = co_await a1.request("login nobody x");
        CHECK(r10 == "error unknown-user no user named 'nobody'");
        auto a2 = co_await connect_from("127.0.0.2", s.port);
        auto a3 = co_await connect_from("127.0.0.2", s.port);
        co_await a2.send("login nobody x\n");
        co_await a3.send("login carol wrong\n");  // its client leaves before its slot
        std::error_code ignored;
        a3.sock.close(ignored);

        // Another address is not slowed: it logs in while a2 still waits.
        auto b = co_await connect_from("127.0.0.3", s.port);
        const auto r11 = co_await b.request("login alice alice-pw");
        CHECK(r11 == "ok welcome alice");
        CHECK_FALSE(a2.has_input());
        const auto late = co_await a2.line();
        REQUIRE(late.has_value());
        CHECK(*late == "error unknown-user no user named 'nobody'");  // delayed, not refused

        // a3's attempt was dropped when its slot came: carol has had no wrong password yet.
        co_await sleep_for(800ms);
        auto b2 = co_await connect_from("127.0.0.3", s.port);
        const auto r12 = co_await b2.request("login carol wrong");
        CHECK(r12 == "error wrong-password wrong password; 2 attempts left");
      },
      cfg);
}

TEST_CASE("accepted sockets have keepalive set as configured") {
  auto cfg = test_config();
  cfg.keepalive_idle = 7s;
  cfg.keepalive_interval = 3s;
  cfg.keepalive_probes = 4;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto c = co_await connect_from("127.0.0.2", s.port);
        // The server runs in this process: find its end of our connection among our sockets.
        const auto ours = c.sock.local_endpoint();
        int found = -1;
        for (int fd = 0; fd < 4096 && found < 0; ++fd) {
          sockaddr_in local{}, peer{};
          socklen_t ll = sizeof local, pl = sizeof peer;
          if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0) continue;
          if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;
          if (local.sin_family == AF_INET && ntohs(local.sin_port) == s.port &&
              ntohs(peer.sin_port) == ours.port() && ntohl(peer.sin_addr.s_addr) == 0x7f000002)
            found = fd;
        }
        REQUIRE(found >= 0);
        auto option = [&](int level, int name) {
          int value = -1;
          socklen_t len = sizeof value;
          REQUIRE(::getsockopt(found, level, name, &value, &len) == 0);
          return value;
        };
        CHECK(option(SOL_SOCKET, SO_KEEPALIVE) == 1);
        CHECK(option(IPPROTO_TCP, TCP_KEEPIDLE) == 7);
        CHECK(option(IPPROTO_TCP, TCP_KEEPINTVL) == 3);
        CHECK(option(IPPROTO_TCP, TCP_KEEPCNT) == 4);
        CHECK(option(IPPROTO_TCP, TCP_USER_TIMEOUT) == 19'000);  // 7 + 3 x 4 s
        CHECK(option(IPPROTO_TCP, TCP_NODELAY) == 1);
        co_return;
      },
      cfg);
}
