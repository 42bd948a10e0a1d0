// The soak's hostile connections: half-open and stalled lines, clients that never read,
// connect/close churn, oversized lines, garbage bytes and wrong passwords.
#include "soak_abuse.hpp"

#include "bench_conn.hpp"
#include "task_group.hpp"

#include <msgapp/net/sleep.hpp>
#include <msgapp/protocol/command.hpp>

#include <fmt/format.h>

namespace msgbench {
namespace {

namespace proto = msgapp::protocol;
using namespace std::chrono_literals;

// However a server treats a hostile connection, we end it after this long.
constexpr auto longest_connection = 5s;
constexpr auto stall_time = 3s;                   // holding a partial line
constexpr std::size_t mute_commands = 500;        // sent by a client that never reads
constexpr std::size_t huge_line = 1024 * 1024;    // bytes without a newline
constexpr std::size_t garbage_bytes = 16 * 1024;  // random bytes, newlines included

// Reads lines until the server closes or `bound` passes; returns how many arrived.
msgapp::awaitable<std::size_t> read_for(bench_conn& conn, std::chrono::milliseconds bound) {
  using namespace asio::experimental::awaitable_operators;
  std::size_t lines = 0;
  const auto until = bench_clock::now() + bound;
  for (;;) {
    const auto left = until - bench_clock::now();
    if (left <= bench_clock::duration::zero()) break;
    auto got = co_await (conn.read_line() || msgapp::sleep_for(left));
    if (got.index() == 1 || std::get<0>(std::get<0>(got))) break;
    ++lines;
  }
  co_return lines;
}

}  // namespace

const char* soak_abuse::name(kind k) {
  static constexpr std::array<const char*, kinds> names = {
      "stalled partial line", "never reads", "connect/close churn",
      "oversized line",       "garbage",     "wrong password"};
  return names[k];
}

// Hostile clients connect from an address of their own (127.0.0.2 when the server is at
// 127.0.0.1), as attackers do: the server's per-address limits (the login throttle above
// all) then fall on them, and the chatters and the fresh client show that users at other
// addresses are not held back.
namespace {
std::optional<asio::ip::address> hostile_address(const msgapp::tcp::endpoint& target) {
  if (target.address() != asio::ip::address_v4::loopback()) return std::nullopt;
  return asio::ip::make_address_v4("127.0.0.2");
}
}  // namespace

soak_abuse::soak_abuse(const bench_context& ctx, std::size_t first_name)
    : ctx_(ctx), first_name_(first_name), from_(hostile_address(ctx.target)) {}

msgapp::awaitable<void> soak_abuse::run(std::size_t abusers, bench_clock::time_point until) {
  task_group group(ctx_.ex);
  for (std::size_t a = 0; a < abusers; ++a)
    group.spawn(abuse_loop(a, until));
  co_await group.wait();
}

msgapp::awaitable<void> soak_abuse::abuse_loop(std::size_t abuser, bench_clock::time_point until) {
  using namespace asio::experimental::awaitable_operators;
  while (bench_clock::now() < until) {
    const auto k = static_cast<kind>(std::uniform_int_distribution<int>(0, kinds - 1)(random_));
    ++counts_[k];
    co_await (one(abuser, k) || msgapp::sleep_for(longest_connection));
  }
}

msgapp::awaitable<void> soak_abuse::one(std::size_t abuser, kind k) {
  auto conn = std::make_shared<bench_conn>(ctx_.ex, ctx_.tls.get());
  ++connections_;
  if (co_await conn->connect(ctx_.target, 0, from_)) {
    ++connect_failures_;
    conn->close();
    co_return;
  }
  const std::string user = ctx_.user_name(first_name_ + abuser);
  const proto::command login = proto::login_cmd{user, ctx_.opts.password};
  switch (k) {
    case stall: {
      const auto line = proto::format(login);
      conn->send(std::string_view(line).substr(0, line.size() / 2));  // and never the rest
      co_await read_for(*conn, stall_time);
      break;
    }
    case mute: {
      std::string burst = proto::format(login);
      const proto::command who = proto::whoelse_cmd{};
      for (std::size_t i = 0; i < mute_commands; ++i)
        burst += proto::format(who);
      conn->send(burst);
      co_await msgapp::sleep_for(stall_time);  // reading nothing while the replies pile up
      break;
    }
    case churn:
      for (int i = 0; i < 4; ++i) {  // connect and close at once, then a whole short visit
        auto quick = std::make_shared<bench_conn>(ctx_.ex, ctx_.tls.get());
        ++connections_;
        if (co_await quick->connect(ctx_.target, 0, from_)) ++connect_failures_;
        quick->close();
      }
      if (std::string why = co_await ctx_.adapter.login(*conn, user, ctx_.opts.password);
          why.empty()) {
        co_await ctx_.adapter.logout(*conn);
      }
      break;
    case oversized: {
      std::string huge(huge_line, 'y');
      huge += '\n';
      conn->send(huge);
      co_await read_for(*conn, 1s);  // the greeting, then line-too-long
      break;
    }
    case garbage: {
      std::string bytes(garbage_bytes, '\0');
      std::uniform_int_distribution<int> byte(0, 255);
      for (auto& b : bytes)
        b = static_cast<char>(byte(random_));
      conn->send(bytes);
      co_await read_for(*conn, 1s);
      break;
    }
    default: {
      const proto::command wrong = proto::login_cmd{user, ctx_.opts.password + "-wrong"};
      conn->send(proto::format(wrong));
      co_await read_for(*conn, 1s);
      break;
    }
  }
  conn->close();
}

}  // namespace msgbench
