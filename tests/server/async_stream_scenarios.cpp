// The connection over a stream that only reads and writes asynchronously (as TLS will), through
// real sockets: order, one gather per write, partial writes, closing, aborting, time-out, overflow.
#include <functional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <msgapp/net/sleep.hpp>
#include <msgapp/server/connection.hpp>

#include "async_only_stream.hpp"

// Every member, compiled for a stream without read_some or write_some.
template class msgapp::server::basic_connection<msgapp::test::async_only_stream>;

namespace {

using namespace std::chrono_literals;
using namespace msgapp;
using msgapp::test::async_only_stream;
using msgapp::test::write_log;
using async_connection = server::basic_connection<async_only_stream>;
using server::outbox;
using server::shared_line;
using std::chrono::milliseconds;

using body_fn = std::function<awaitable<void>()>;

// Returns the body's exception instead of throwing it: `||` ends only on a success (Asio 1.22).
awaitable<std::exception_ptr> capture(body_fn body) {
  std::exception_ptr failure;
  try {
    co_await body();
  } catch (...) {
    failure = std::current_exception();
  }
  co_return failure;
}

awaitable<std::exception_ptr> guarded(body_fn body, milliseconds limit) {
  using namespace net::experimental::awaitable_operators;
  auto result = co_await (capture(std::move(body)) || sleep_for(limit));
  if (result.index() == 1)
    co_return std::make_exception_ptr(std::runtime_error("scenario did not finish in time"));
  co_return std::get<0>(result);
}

// Runs one scenario on its own io_context until every operation it started has ended (so a
// writer still running after the scenario is waited for too), or fails after `limit`.
void run_scenario(body_fn body, milliseconds limit = 10s) {
  net::io_context io{1};
  std::exception_ptr failure;
  bool finished = false;
  net::co_spawn(io, guarded(std::move(body), limit),
                [&](std::exception_ptr e, std::exception_ptr scenario_failure) {
                  finished = true;
                  failure = e ? e : scenario_failure;
                });
  io.run_for(limit + 1s);  // a writer that never ends keeps the io_context busy: fail, not hang
  if (failure) std::rethrow_exception(failure);
  REQUIRE(finished);
  REQUIRE(io.stopped());  // out of work: no writer or read outlived the scenario
}

// Ends the current handler (the hub's "turn"), so what was delivered in it gets flushed.
awaitable<void> next_turn() {
  co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
}

// Lets turns pass until the connection has a write in flight (a writer starts after the turn).
awaitable<void> until_writing(const write_log& log) {
  constexpr int most_turns = 100;
  for (int i = 0; i < most_turns && !log.in_flight(); ++i)
    co_await next_turn();
  REQUIRE(log.in_flight());
}

shared_line make_line(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

server::config test_config() {
  server::config cfg;
  cfg.write_timeout = 5'000ms;
  return cfg;
}

struct socket_pair {
  tcp::socket ours;  // the server's end, for the connection
  tcp::socket peer;  // the client's end, driven by the test
};

// A connected pair on 127.0.0.1. A slow peer has small socket buffers, so a peer that does
// not read fills them after a few kilobytes.
awaitable<socket_pair> connect_pair(bool slow_peer = false) {
  const auto ex = co_await net::this_coro::executor;
  tcp::acceptor acceptor(ex, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  tcp::socket peer(ex);
  peer.open(tcp::v4());
  if (slow_peer) peer.set_option(net::socket_base::receive_buffer_size(4096));
  auto [cec] = co_await peer.async_connect(acceptor.local_endpoint(), use_nothrow);
  REQUIRE_FALSE(cec);
  auto [aec, ours] = co_await acceptor.async_accept(use_nothrow);
  REQUIRE_FALSE(aec);
  if (slow_peer) ours.set_option(net::socket_base::send_buffer_size(4096));
  socket_pair pair{std::move(ours), std::move(peer)};
  co_return pair;
}

std::shared_ptr<async_connection> make_connection(tcp::socket ours, std::shared_ptr<write_log> log,
                                                  const server::config& cfg) {
  return std::make_shared<async_connection>(async_only_stream(std::move(ours), std::move(log)),
                                            cfg);
}

struct received {
  std::string bytes;
  std::error_code ended;  // why reading stopped: eof once the connection closed
};

// Everything the peer receives until the connection closes (bounded, for a runaway test).
awaitable<received> read_to_end(tcp::socket& peer) {
  constexpr std::size_t most = 64 * 1024 * 1024;
  received r;
  std::array<char, 64 * 1024> chunk;
  while (r.bytes.size() < most) {
    auto [ec, n] = co_await peer.async_read_some(net::buffer(chunk), use_nothrow);
    r.bytes.append(chunk.data(), n);
    if (ec) {
      r.ended = ec;
      break;
    }
  }
  co_return r;
}

bool ended_by_close(std::error_code ec) {
  return ec == net::error::eof || ec == net::error::connection_reset;
}

// Queues `count` lines of `size` bytes each (numbered, so order shows) in the current turn.
std::string deliver_lines(async_connection& conn, int count, std::size_t size) {
  std::string all;
  for (int i = 0; i < count; ++i) {
    std::string text = fmt::format("{:06} ", i);
    text.resize(size - 1, 'x');
    text += '\n';
    all += text;
    REQUIRE(conn.deliver(make_line(std::move(text))));
  }
  return all;
}

}  // namespace

TEST_CASE("async-only stream: lines queued in one turn leave in one gather write, in order") {
  run_scenario([]() -> awaitable<void> {
    const auto ex = co_await net::this_coro::executor;
    auto log = std::make_shared<write_log>(ex);
    auto pair = co_await connect_pair();
    const auto conn = make_connection(std::move(pair.ours), log, test_config());
    const std::string sent = deliver_lines(*conn, 10, 20);
    conn->close_after_flush();
    CHECK(log->started == 0);  // nothing is written during the turn itself

    const auto got = co_await read_to_end(pair.peer);
    CHECK(got.bytes == sent);
    CHECK(got.ended == net::error::eof);
    REQUIRE(log->calls.size() == 1);
    CHECK(log->calls[0].buffers == 10);
    CHECK(log->calls[0].offered == sent.size());
    CHECK(log->calls[0].taken == sent.size());
  });
}

TEST_CASE("async-only stream: lines from many turns arrive in order, gathered per write") {
  run_scenario([]() -> awaitable<void> {
    const auto ex = co_await net::this_coro::executor;
    auto log = std::make_shared<write_log>(ex);
    auto pair = co_await connect_pair();
    const auto conn = make_connection(std::move(pair.ours), log, test_config());
    constexpr int turns = 200;
    constexpr int lines_per_turn = 3;
    std::string sent;
    int lines = 0;
    for (int turn = 0; turn < turns; ++turn) {
      // Lines queued while a write is in flight wait for it, then leave together.
      for (int i = 0; i < lines_per_turn; ++i) {
        std::string text = fmt::format("turn {} line {}\n", turn, i);
        sent += text;
        ++lines;
        REQUIRE(conn->deliver(make_line(std::move(text))));
      }
      co_await next_turn();
    }
    // One turn with more lines than one gather takes.
    constexpr int burst = 2 * static_cast<int>(outbox::max_gather) + 10;
    sent += deliver_lines(*conn, burst, 30);
    lines += burst;
    conn->close_after_flush();

    const auto got = co_await read_to_end(pair.peer);
    CHECK(got.bytes == sent);
    CHECK(got.ended == net::error::eof);
    CHECK(log->taken() == sent.size());
    CHECK(log->started <= static_cast<std::size_t>(turns + 3));  // never a write per line
    CHECK(log->started < static_cast<std::size_t>(lines));
    std::size_t full_gathers = 0;
    for (const auto& call : log->calls) {
      CHECK(call.buffers <= outbox::max_gather);
      if (call.buffers == outbox::max_gather) ++full_gathers;
    }
    CHECK(full_gathers >= 2);  // the burst left max_gather lines at a time
  });
}

TEST_CASE("async-only stream: a partial write continues from the byte where it stopped") {
  run_scenario([]() -> awaitable<void> {
    const auto ex = co_await net::this_coro::executor;
    auto log = std::make_shared<write_log>(ex);
    constexpr std::size_t per_write = 7;  // splits lines at every position over the run
    log->max_per_write = per_write;
    auto pair = co_await connect_pair();
    const auto conn = make_connection(std::move(pair.ours), log, test_config());
    std::string sent;
    for (const char* text :
         {"a\n", "bb bb\n", "ccc ccc ccc\n", "d\n", "eeeeeeeeeeeeeeeeeeeeee\n"}) {
      sent += text;
      REQUIRE(conn->deliver(make_line(text)));
    }
    conn->close_after_flush();

    const auto got = co_await read_to_end(pair.peer);
    CHECK(got.bytes == sent);
    CHECK(got.ended == net::error::eof);
    REQUIRE(log->calls.size() == (sent.size() + per_write - 1) / per_write);
    for (std::size_t k = 0; k < log->calls.size(); ++k) {
      INFO("write " << k);
      CHECK(log->calls[k].offered == sent.size() - k * per_write);  // exactly what was left
      CHECK(log->calls[k].taken == std::min(per_write, log->calls[k].offered));
    }
  });
}

TEST_CASE(
    "async-only stream: close_after_flush writes everything first, and later lines are dropped") {
  run_scenario([]() -> awaitable<void> {
    const auto ex = co_await net::this_coro::executor;
    auto log = std::make_shared<write_log>(ex);
    log->max_per_write = 100;  // many writes, so the close comes while they are under way
    auto pair = co_await connect_pair();
    const auto conn = make_connection(std::move(pair.ours), log, test_config());
    const std::string sent = deliver_lines(*conn, 50, 40);
    co_await until_writing(*log);
    conn->close_after_flush();
    CHECK(conn->deliver(make_line("too late\n")));  // dropped, not an overflow

    const auto got = co_await read_to_end(pair.peer);
    CHECK(got.bytes == sent);
    CHECK(got.ended == net::error::eof);
    CHECK(log->started >= sent.size() / 100);

    // With nothing queued, it closes at once.
    auto idle = co_await connect_pair();
    const auto idle_conn = make_connection(std::move(idle.ours), log, test_config());
    idle_conn->close_after_flush();
    const auto nothing = co_await read_to_end(idle.peer);
    CHECK(nothing.bytes.empty());
    CHECK(nothing.ended == net::error::eof);
  });
}

TEST_CASE("async-only stream: abort while a write is in flight drops the rest safely") {
  std::weak_ptr<async_connection> gone;
  run_scenario([&gone]() -> awaitable<void> {
    const auto ex = co_await net::this_coro::executor;
    auto log = std::make_shared<write_log>(ex);
    auto cfg = test_config();
    cfg.outbox_bytes = 4 * 1024 * 1024;
    auto pair = co_await connect_pair(true);  // the peer reads nothing until the end
    auto conn = make_connection(std::move(pair.ours), log, cfg);
    gone = conn;
    const std::string sent = deliver_lines(*conn, 2000, 1000);  // far more than the kernel holds
    co_await until_writing(*log);
    // The write points into queued lines, which abort() frees: the write must end first.
    conn->abort();
    CHECK(conn->deliver(make_line("after abort\n")));  // dropped
    conn.reset();                                      // the writer now holds the last reference

    const auto got = co_await read_to_end(pair.peer);
    CHECK(ended_by_close(got.ended));
    CHECK(got.bytes.size() < sent.size());
    CHECK(got.bytes == sent.substr(0, got.bytes.size()));
  });
  CHECK(gone.expired());  // the writer ended and let the connection go
}

TEST_CASE("async-only stream: a peer that never reads is cut off after write_timeout") {
  run_scenario([]() -> awaitable<void> {
    const auto ex = co_await net::this_coro::executor;
    auto log = std::make_shared<write_log>(ex);
    auto cfg = test_config();
    cfg.write_timeout = 100ms;
    cfg.outbox_bytes = 4 * 1024 * 1024;  // the outbox never fills: only the time-out can cut
    auto pair = co_await connect_pair(true);
    const auto conn = make_connection(std::move(pair.ours), log, cfg);
    const std::string sent = deliver_lines(*conn, 2000, 1000);

    // Only the write timer can end the write: nobody calls abort() here.
    auto [ec, failed] = co_await log->failures.async_receive(use_nothrow);
    REQUIRE_FALSE(ec);
    CHECK(failed == net::error::operation_aborted);
    CHECK(conn->deliver(make_line("after the cut\n")));  // dropped: the connection is closed

    const auto got = co_await read_to_end(pair.peer);
    CHECK(ended_by_close(got.ended));
    CHECK(got.bytes.size() < sent.size());
    CHECK(got.bytes == sent.substr(0, got.bytes.size()));
  });
}

TEST_CASE(
    "async-only stream: a line that would pass outbox_bytes is refused, and the rest still goes") {
  run_scenario([]() -> awaitable<void> {
    const auto ex = co_await net::this_coro::executor;
    auto log = std::make_shared<write_log>(ex);
    auto cfg = test_config();
    cfg.outbox_bytes = 1000;
    auto pair = co_await connect_pair();
    const auto conn = make_connection(std::move(pair.ours), log, cfg);
    const std::string sent = deliver_lines(*conn, 10, 100);  // exactly outbox_bytes
    CHECK_FALSE(conn->deliver(make_line("x\n")));            // full: the hub decides what next
    conn->close_after_flush();

    const auto got = co_await read_to_end(pair.peer);
    CHECK(got.bytes == sent);
    CHECK(got.ended == net::error::eof);
  });
}

TEST_CASE("async-only stream: reads lines through async_read_some, a last one without '\\n'") {
  run_scenario([]() -> awaitable<void> {
    const auto ex = co_await net::this_coro::executor;
    auto log = std::make_shared<write_log>(ex);
    auto pair = co_await connect_pair();
    const auto conn = make_connection(std::move(pair.ours), log, test_config());
    auto [w1, n1] = co_await net::async_write(pair.peer, net::buffer("hello\nwor", 9), use_nothrow);
    REQUIRE_FALSE(w1);
    std::vector<std::string> lines;
    auto first = co_await conn->read_line();
    REQUIRE(first);
    lines.emplace_back(first->text);
    auto [w2, n2] = co_await net::async_write(pair.peer, net::buffer("ld\nlast", 7), use_nothrow);
    REQUIRE_FALSE(w2);
    pair.peer.shutdown(tcp::socket::shutdown_send);
    for (;;) {
      auto line = co_await conn->read_line();
      if (!line) {
        CHECK(line.error() == net::error::eof);
        break;
      }
      lines.emplace_back(line->text);
    }
    CHECK(lines == std::vector<std::string>{"hello", "world", "last"});
    auto again = co_await conn->read_line();  // after eof, it never reads again
    REQUIRE_FALSE(again);
    CHECK(again.error() == net::error::eof);
    conn->abort();
  });
}

TEST_CASE("async-only stream: abort ends a pending read with operation_aborted") {
  run_scenario([]() -> awaitable<void> {
    using namespace net::experimental::awaitable_operators;
    const auto ex = co_await net::this_coro::executor;
    auto log = std::make_shared<write_log>(ex);
    auto pair = co_await connect_pair();
    const auto conn = make_connection(std::move(pair.ours), log, test_config());
    auto abort_later = [](std::shared_ptr<async_connection> c) -> awaitable<void> {
      co_await next_turn();
      c->abort();
    };
    auto read = co_await (conn->read_line() && abort_later(conn));
    REQUIRE_FALSE(read);
    CHECK(read.error() == net::error::operation_aborted);
  });
}
