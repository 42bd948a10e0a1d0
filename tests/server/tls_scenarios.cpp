// Scenarios over TLS, with a CA and server certificate made at test time: login and messages,
// a certificate the client does not trust, a wrong host name, a plain TCP client, a handshake
// that stalls, and the close_notify at the end.
#include <msgapp/tls/context.hpp>
#include <msgapp/tls/verify_error.hpp>

#include "../support/scenario.hpp"
#include "../support/test_certificates.hpp"

using namespace msgapp::test;
namespace tls = msgapp::tls;

namespace {

server::config tls_config() {
  auto c = test_config();
  c.tls_cert = certificates().cert();
  c.tls_key = certificates().key();
  return c;
}

msgapp::client::connect_options trusting(std::string verify_host = {}) {
  auto context = tls::client_context(tls::trust{certificates().ca(), false});
  REQUIRE(context.has_value());
  msgapp::client::connect_options o;
  o.tls = true;
  o.context = *context;
  o.verify_host = std::move(verify_host);
  return o;
}

awaitable<msgapp::client::result<client>> connect_tls(std::string host, std::uint16_t port,
                                                      msgapp::client::connect_options o) {
  co_return co_await client::connect(std::move(host), port, std::move(o));
}

// `user` logged in over TLS through `host` (a name or an address the certificate carries).
awaitable<client> tls_login(std::string host, std::uint16_t port, std::string user) {
  auto c = co_await connect_tls(std::move(host), port, trusting());
  if (!c) FAIL("TLS connect: " << c.error().message());
  CHECK(c->is_tls());
  auto reply = co_await c->login(user, user + "-pw");
  REQUIRE(reply.has_value());
  REQUIRE(reply->kind == line_kind::ok);
  co_return std::move(*c);
}

// A plain TCP connection to the server's port.
awaitable<tcp::socket> connect_plain(std::uint16_t port) {
  tcp::socket sock(co_await net::this_coro::executor);
  auto [ec] = co_await sock.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                          use_nothrow);
  REQUIRE_FALSE(ec);
  co_return sock;
}

// Everything the server sends until it closes the connection.
awaitable<std::string> read_to_end(tcp::socket& sock) {
  std::string got;
  for (;;) {
    std::array<char, 4096> chunk;
    auto [ec, n] = co_await sock.async_read_some(net::buffer(chunk), use_nothrow);
    got.append(chunk.data(), n);
    if (ec) co_return got;
  }
}

}  // namespace

TEST_CASE("over TLS, users log in and exchange messages, by host name and by address") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto alice = co_await tls_login("localhost", s.port, "alice");
        auto bob = co_await tls_login("127.0.0.1", s.port, "bob");
        co_await expect_delivered(alice, bob, "bob", "hello over TLS");
        co_await expect_delivered(bob, alice, "alice", "and back");
        const auto others = co_await must(alice.request("whoelse"));
        CHECK(others.text == "users bob");
        co_await expect_text(bob, "logout", "goodbye bob");
        co_await expect_closed(bob);
      },
      tls_config());
}

TEST_CASE("over TLS, the server ends a connection with close_notify, not a cut") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto context = tls::client_context(tls::trust{certificates().ca(), false});
        REQUIRE(context.has_value());
        tls::ssl::stream<tcp::socket> stream(co_await connect_plain(s.port), **context);
        REQUIRE_FALSE(tls::expect_host(stream, "127.0.0.1"));
        auto [hec] = co_await stream.async_handshake(tls::ssl::stream_base::client, use_nothrow);
        REQUIRE_FALSE(hec);
        const std::string lines = "login alice alice-pw\nlogout\n";
        auto [wec, written] = co_await net::async_write(stream, net::buffer(lines), use_nothrow);
        REQUIRE_FALSE(wec);
        std::string got;
        auto [rec, n] =
            co_await net::async_read(stream, net::dynamic_buffer(got, 4096), use_nothrow);
        CHECK(got.find("ok goodbye alice") != std::string::npos);
        CHECK(rec == net::error::eof);  // stream_truncated if there were no close_notify
      },
      tls_config());
}

TEST_CASE("over TLS, a client that does not trust the certificate is refused") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto system_store = tls::client_context(tls::trust{});  // the test CA is not in it
        REQUIRE(system_store.has_value());
        msgapp::client::connect_options o;
        o.tls = true;
        o.context = *system_store;
        const auto refused = co_await connect_tls("127.0.0.1", s.port, o);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().category() == tls::verify_category());
        CHECK_THAT(refused.error().message(), Catch::Contains("not trusted"));

        auto plain = co_await client::connect("127.0.0.1", s.port);  // a TLS client, no TLS
        CHECK_FALSE(plain.has_value());

        auto alice = co_await tls_login("127.0.0.1", s.port, "alice");  // still serving
        co_await expect_text(alice, "whoelse", "users");
      },
      tls_config());
}

TEST_CASE("over TLS, a certificate for another host name is refused") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        const auto refused =
            co_await connect_tls("127.0.0.1", s.port, trusting("chat.example.org"));
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().category() == tls::verify_category());
        CHECK_THAT(refused.error().message(), Catch::Contains("not for that host"));
        auto alice = co_await tls_login("localhost", s.port, "alice");
        co_await expect_text(alice, "whoelse", "users");
      },
      tls_config());
}

TEST_CASE("a plain TCP client of a TLS server gets no greeting, and the server stays up") {
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto sock = co_await connect_plain(s.port);
        const std::string login = "login alice alice-pw\nwhoelse\n";
        auto [wec, n] = co_await net::async_write(sock, net::buffer(login), use_nothrow);
        REQUIRE_FALSE(wec);
        const auto got = co_await read_to_end(sock);  // at most a TLS alert, then the end
        CHECK(got.find("hello") == std::string::npos);
        CHECK(got.find("welcome") == std::string::npos);

        auto alice = co_await tls_login("127.0.0.1", s.port, "alice");
        auto bob = co_await tls_login("127.0.0.1", s.port, "bob");
        co_await expect_delivered(alice, bob, "bob", "still here");
      },
      tls_config());
}

TEST_CASE("a TLS handshake that stalls is closed after the deadline") {
  auto cfg = tls_config();
  cfg.tls_handshake_timeout = 200ms;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto silent = co_await connect_plain(s.port);  // never sends a ClientHello
        const auto got = co_await read_to_end(silent);
        CHECK(got.empty());
        auto alice = co_await tls_login("127.0.0.1", s.port, "alice");
        co_await expect_text(alice, "whoelse", "users");
      },
      cfg);
}

TEST_CASE("TLS handshakes in progress are bounded; past the bound a connection is closed at once") {
  using namespace net::experimental::awaitable_operators;
  auto cfg = tls_config();
  cfg.tls_handshakes = 1;
  cfg.tls_handshake_timeout = 60s;  // the stalled one would hold its slot for the whole test
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto silent = co_await connect_plain(s.port);  // holds the one handshake slot
        co_await sleep_for(50ms);                      // accepted before the next one
        auto refused = co_await connect_plain(s.port);
        const auto got = co_await (read_to_end(refused) || sleep_for(10s));
        REQUIRE(got.index() == 0);  // closed by the server, long before any deadline
        CHECK(std::get<0>(got).empty());
        silent.close();  // its handshake fails at once, and the slot is free again
        co_await sleep_for(50ms);
        auto alice = co_await tls_login("127.0.0.1", s.port, "alice");
        co_await expect_text(alice, "whoelse", "users");
      },
      cfg);
}

TEST_CASE("a TLS server does not start with a key that is not its certificate's") {
  auto cfg = tls_config();
  cfg.tls_key = certificates().ca_key();
  net::io_context io{1};
  server::server srv(io.get_executor(), cfg, test_accounts(), memory_storage());
  const auto listening = srv.listen();
  REQUIRE_FALSE(listening.has_value());
  CHECK_THAT(listening.error(), Catch::Contains("cannot use it as a private key"));
}
