// The life of one connection, top to bottom: greet, log in, chat, clean up.
#include "msgapp/server/session.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <msgapp/net/sleep.hpp>

#include "msgapp/protocol/server_line.hpp"
#include "msgapp/server/command_budget.hpp"
#include "msgapp/server/connection.hpp"
#include "msgapp/server/tls_connection.hpp"

namespace msgapp::server {
namespace {

parsed_command parse(const protocol::line_framer::line& line, const protocol::limits& lim) {
  if (line.too_long) {
    return tl::unexpected(protocol::error{
        protocol::errc::line_too_long,
        fmt::format("lines are limited to {} bytes; the line was skipped", lim.max_line)});
  }
  return protocol::parse_command(line.text, lim);
}

std::string describe(std::error_code ended) {
  if (ended == net::error::eof) return "the client closed the connection";
  if (ended == net::error::operation_aborted) return "closed by the server";
  return fmt::format("connection error: {}", ended.message());
}

// 1. Log in. Every line goes to the hub, which replies on our outbox, until it accepts one.
//    A name blocked for wrong passwords makes the hub close us; the next read then fails.
//    A hashed password is checked first, on the password pool: this session waits for it,
//    the hub and everyone else do not. The hub then decides as for a plain password.
//    Part of a line may wait only login_stall for its rest. A login attempt waits first for
//    the slot the hub gives its address (at once, unless the address failed too often), so
//    a throttled attempt costs no hashing and one whose client left meanwhile is dropped.
//    Returns {} once logged in, else why not.
template <typename Connection>
awaitable<std::error_code> log_in(Connection& conn, conn_id id, hub& the_hub, const config& cfg) {
  for (;;) {
    auto line = co_await conn.read_line(cfg.login_stall);
    if (!line) {
      if (line.error() == net::error::timed_out) {
        conn.deliver(make_line(protocol::format_timeout(
            fmt::format("part of a line waited {:g} s for its end before login; closed",
                        static_cast<double>(cfg.login_stall.count()) / 1000))));
      }
      co_return line.error();
    }
    auto cmd = parse(*line, cfg.limits);
    if (cmd && std::holds_alternative<protocol::login_cmd>(*cmd)) {
      const auto slot = co_await the_hub.admit_login(id);
      if (!slot) continue;  // refused, and told so: the address has enough attempts waiting
      const auto wait = *slot - std::chrono::steady_clock::now();
      if (wait > wait.zero()) {
        const bool open = co_await conn.pause(wait);  // a named local: see asio-1.22.md
        if (!open || conn.peer_closed()) co_return std::error_code(net::error::eof);
      }
    }
    const auto hashed = co_await the_hub.check_password(cmd);
    const auto user = co_await the_hub.login(id, std::move(cmd), hashed);
    if (user) co_return std::error_code{};
  }
}

// 2. Chat. Every line goes to the hub, which replies in order on our outbox. Lines that
//    arrived together travel together (up to a bound), so a client that pipelines costs one
//    hop per read rather than per line. Runs while there is input to handle, then returns {}
//    (serve() waits for more, holding no frame of ours); or returns why it ended: the client
//    left, or the hub closed us (logout, time-out, shutdown, or an outbox that overflowed
//    because the client stopped reading).
//    The command rate: out of tokens, the session stops reading until they return, so the
//    client's commands wait in its socket, delayed, never dropped. Held back like that
//    without a break (input waiting all along) for flood_cutoff, it is cut off.
template <typename Connection>
awaitable<std::error_code> chat(Connection& conn, conn_id id, hub& the_hub, const config& cfg,
                                command_budget& budget) {
  using clock = std::chrono::steady_clock;
  std::vector<parsed_command> batch;            // read, and not yet taken by the hub
  std::optional<clock::time_point> held_since;  // held back with input waiting, since then
  for (;;) {
    auto now = clock::now();
    if (held_since && batch.empty() && !conn.input_waiting()) held_since.reset();  // caught up
    if (const auto wait = budget.wait(now); wait > clock::duration::zero()) {
      if (!batch.empty() || conn.input_waiting()) {
        if (!held_since) held_since = now;
        if (cfg.flood_cutoff.count() > 0 && now - *held_since >= cfg.flood_cutoff) {
          co_await the_hub.flooding(id);
          co_return std::error_code(net::error::operation_aborted);
        }
      }
      if (!co_await conn.pause(wait)) co_return std::error_code(net::error::operation_aborted);
      continue;
    }
    if (batch.empty()) {
      auto line = conn.line_now();
      if (!line) {
        co_return conn.ended();  // {}: nothing to do until more arrives
      }
      batch.push_back(parse(*line, cfg.limits));
      now = clock::now();
    }
    const auto allowance = budget.available(now);
    while (batch.size() < std::min(cfg.max_batch, allowance)) {
      const auto more = conn.buffered_line();
      if (!more) break;
      batch.push_back(parse(*more, cfg.limits));
    }
    auto done = co_await the_hub.commands(id, std::move(batch), allowance);
    budget.spend(done.cost, clock::now());
    batch = std::move(done.left);
  }
}

// Not coroutines, so the address and the reason live in the hub's frames, not in serve()'s.
template <typename Connection>
awaitable<bool> attach(hub& the_hub, conn_id id, const std::shared_ptr<Connection>& conn) {
  return the_hub.attach(id, conn, conn->peer_address());
}
awaitable<void> detach(hub& the_hub, conn_id id, std::error_code ended) {
  return the_hub.detach(id, describe(ended));
}

// The whole life of a connection, whatever its stream. Logging in and each stretch of
// chatting are coroutines of their own, so an idle session holds only this frame and one
// pending wait for input: no login-phase state, no nested frames. Keep this frame small: it
// is most of what an idle connection costs (docs/performance.md, "Idle").
template <typename Connection>
awaitable<void> serve(std::shared_ptr<Connection> conn, conn_id id, hub& the_hub,
                      const config& cfg) {
  static const shared_line greeting =
      std::make_shared<const std::string>(protocol::format_greeting());
  conn->deliver(greeting);
  if (!co_await attach(the_hub, id, conn)) co_return;  // the server has finished

  // 1. Log in, then 2. chat (both above), waiting here while idle. Either ends when a read
  //    fails: that is the reason handed to the hub at cleanup.
  auto ended = co_await log_in(*conn, id, the_hub, cfg);
  if (!ended) {
    command_budget budget(cfg.command_burst, cfg.command_rate);
    for (;;) {
      ended = co_await chat(*conn, id, the_hub, cfg, budget);
      if (ended) break;
      std::tie(ended) = co_await conn->wait_for_input();  // idle: waits here
      if (ended) break;
    }
  }

  // 3. Clean up. The hub announces the logout (if this was a logged-in user that had not
  //    already left) and closes the socket once our last replies are written.
  co_await detach(the_hub, id, ended);
}

}  // namespace

// Not a coroutine itself: it builds the connection and hands back serve()'s coroutine, so a
// session costs no extra frame. Another stream type is another such function (after its
// handshake, for TLS) over the same serve().
awaitable<void> run_session(tcp::socket socket, conn_id id, hub& the_hub, const config& cfg) {
  auto conn = std::make_shared<connection>(std::move(socket), cfg);
  return serve(std::move(conn), id, the_hub, cfg);
}

// TLS: the handshake first, within tls_handshake_timeout, so a client that stalls or speaks
// plain TCP costs a few seconds at most and never reaches the hub; then the same serve().
awaitable<void> run_session(tcp::socket socket, tls::context_ptr context, std::size_t& handshaking,
                            conn_id id, hub& the_hub, const config& cfg) {
  using namespace net::experimental::awaitable_operators;
  std::error_code ignored;
  tls_stream stream(std::move(socket), *context);
  auto shaken = co_await (stream.async_handshake(tls_stream::server, use_nothrow) ||
                          sleep_for(cfg.tls_handshake_timeout));
  --handshaking;
  if (shaken.index() == 1 || std::get<0>(std::get<0>(shaken))) {
    const std::string why = shaken.index() == 1 ? "not finished in time"
                                                : tls::describe(std::get<0>(std::get<0>(shaken)));
    spdlog::info("connection {}: TLS handshake failed: {}", id, why);
    stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream.lowest_layer().close(ignored);
    co_return;
  }
  auto conn = std::make_shared<tls_connection>(std::move(stream), cfg);
  co_await serve(std::move(conn), id, the_hub, cfg);
}

}  // namespace msgapp::server
