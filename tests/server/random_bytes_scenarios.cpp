// Random byte streams through real sockets: valid commands mixed with garbage, huge lines,
// NULs, invalid UTF-8, partial lines and abrupt closes, from several clients at once. Each
// stream comes from a fixed seed, so a failure replays exactly. Afterwards the server must
// still serve normal clients correctly.
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "../support/scenario.hpp"

using namespace msgapp::test;

namespace {

constexpr int attackers = 8;
constexpr int pieces_per_stream = 400;

// Commands a real client might send (never as carol or dave: they check the server after).
const std::vector<std::string> commands = {
    "login alice alice-pw",
    "login nobody pw",
    "login alice",
    "message carol hi there",
    "message bob hello",
    "broadcast hi all",
    "whoelse",
    "whoelsesince 5",
    "block dave",
    "unblock dave",
    "logout",
    "receipts",
    "confirm 1",
    "privateport 4000",
    "startprivate bob",
    "active",
};

// One piece of a stream; pieces without a '\n' run into the next one, as on the wire.
std::string next_piece(std::mt19937& rng) {
  auto below = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  auto random_bytes = [&](std::size_t n, int lowest) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
      s.push_back(static_cast<char>(lowest + static_cast<int>(below(256 - lowest))));
    return s;
  };
  const auto& command = commands[below(static_cast<std::uint32_t>(commands.size()))];
  switch (below(9)) {
    case 0:
    case 1:
      return command + (below(2) ? "\r\n" : "\n");
    case 2:
      return random_bytes(below(200), 0);  // anything, newlines included
    case 3: {                              // past the line limit, sometimes left unfinished
      std::string huge(4000 + below(16'000), static_cast<char>('a' + below(26)));
      return below(4) ? huge + "\n" : huge;
    }
    case 4:
      return std::string("message bob a\0b\n\0\0\n", 19);
    case 5:
      return "broadcast " + random_bytes(1 + below(20), 0x80) + "\n";  // invalid UTF-8 mostly
    case 6:
      return command.substr(0, below(static_cast<std::uint32_t>(command.size())));  // partial
    case 7:
      return below(2) ? "\n" : "\r\n   \n";
    default:
      return random_bytes(below(60), ' ') + "\n";  // printable and high bytes, no controls
  }
}

// Reads and drops what the server sends, until it closes (or we do).
awaitable<void> drain(tcp::socket& sock) {
  std::array<char, 4096> buf{};
  for (;;) {
    auto [ec, n] = co_await sock.async_read_some(net::buffer(buf), use_nothrow);
    if (ec) co_return;
  }
}

awaitable<void> send_stream(tcp::socket& sock, std::uint32_t seed) {
  std::mt19937 rng(seed);
  for (int i = 0; i < pieces_per_stream; ++i) {
    const auto piece = next_piece(rng);
    auto [ec, n] = co_await net::async_write(sock, net::buffer(piece), use_nothrow);
    if (ec) co_return;  // the server closed us (logout, a blocked name): that is allowed
  }
}

// One client's stream. Even seeds read while they send, odd ones do not; then the stream
// ends abruptly (a reset), with a plain close, or with a half-close that reads to the end.
awaitable<void> attack(std::uint16_t port, std::uint32_t seed) {
  using namespace net::experimental::awaitable_operators;
  tcp::socket sock(co_await net::this_coro::executor);
  auto [cec] = co_await sock.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                           use_nothrow);
  REQUIRE_FALSE(cec);
  if (seed % 2 == 0) {
    co_await (send_stream(sock, seed) ||
              drain(sock));  // our last piece, or the server closing us, ends both
  } else {
    co_await send_stream(sock, seed);
  }
  std::error_code ignored;
  switch (seed % 3) {
    case 0:
      sock.set_option(net::socket_base::linger(true, 0), ignored);  // close sends a reset
      break;
    case 1:
      break;
    default:
      sock.shutdown(tcp::socket::shutdown_send, ignored);
      co_await drain(sock);
  }
  sock.close(ignored);
}

}  // namespace

TEST_CASE("random byte streams from many clients leave the server serving normal clients") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    const auto ex = co_await net::this_coro::executor;
    // Each stream reports its end (and any failure inside it) here.
    channel<std::exception_ptr> ended(ex, attackers);
    for (std::uint32_t seed = 1; seed <= attackers; ++seed) {
      auto report = [&ended](std::exception_ptr e) { ended.try_send(std::error_code{}, e); };
      net::co_spawn(ex, attack(s.port, seed), std::move(report));
    }
    for (int i = 0; i < attackers; ++i) {
      auto [ec, failure] = co_await ended.async_receive(use_nothrow);
      REQUIRE_FALSE(ec);
      if (failure) std::rethrow_exception(failure);
    }

    auto carol = co_await s.login("carol");
    auto dave = co_await s.login("dave");
    co_await expect_delivered(carol, dave, "dave", "still serving");
    co_await expect_delivered(dave, carol, "carol", "and back");
    const auto who = co_await must(carol.request("whoelse"));
    CHECK(who.kind == line_kind::ok);
    CHECK(who.text.find("dave") != std::string::npos);
    co_await expect_code(carol, "message", "usage");
  });
}
