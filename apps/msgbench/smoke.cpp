// The CI smoke check: short relay and fanout runs that must deliver every message exactly once, in
// order, and (msgapp only) one exchange through the client library, whose replies and typed
// events must be what the protocol module says.
#include "workloads.hpp"

#include <fmt/format.h>

#include <msgapp/client/client.hpp>

namespace msgbench {
namespace {

struct smoke_check {
  std::string name;
  bool passed = false;
};

void print_outcome(std::string_view name, const run_result& r) {
  fmt::print("smoke {}: {}\n", name, r.ok ? "PASS" : "FAIL");
  if (!r.ok) r.rep.print_table(stdout);
  std::fflush(stdout);
}

// Two users through msgapp::client: the load workloads use raw connections (they measure the
// server, not a client library), so this is where msgbench checks the library and the
// protocol module against a real server. An empty string means it passed.
msgapp::awaitable<std::string> check_replies(const bench_context& ctx, std::size_t first) {
  namespace protocol = msgapp::protocol;
  using msgapp::client::client;
  const auto host = ctx.target.address().to_string();
  const auto a_name = ctx.user_name(first);
  const auto b_name = ctx.user_name(first + 1);
  auto a = co_await client::connect(host, ctx.target.port());
  auto b = co_await client::connect(host, ctx.target.port());
  if (!a || !b) co_return "cannot connect";
  const auto a_in = co_await a->login(a_name, ctx.opts.password);
  const auto b_in = co_await b->login(b_name, ctx.opts.password);
  if (!a_in || !b_in || a_in->kind != protocol::line_kind::ok ||
      b_in->kind != protocol::line_kind::ok) {
    co_return "login refused";
  }
  protocol::command say = protocol::message_cmd{b_name, "smoke"};
  const auto sent = co_await a->request(std::move(say));
  if (!sent || sent->kind != protocol::line_kind::ok) co_return "message refused";
  // b's first events may be a's presence; the message must follow, typed as a msg event.
  for (int i = 0; i < 4; ++i) {
    const auto event = co_await b->next_event();
    if (!event) co_return "the connection ended";
    const auto* msg = event->typed ? std::get_if<protocol::msg_event>(&*event->typed) : nullptr;
    if (msg != nullptr) {
      co_return msg->from == a_name && msg->text == "smoke" ? "" : "wrong message";
    }
  }
  co_return "no message event";
}

}  // namespace

msgapp::awaitable<int> run_smoke(bench_context ctx) {
  const auto& base = ctx.opts;
  int passed = 0;
  int failed = 0;

  // Count-bound, so the check is the same on a fast or a busy machine; the duration only
  // bounds a server that has stalled.
  bench_options relay_opts = base;
  relay_opts.workload = "relay";
  relay_opts.slow = false;
  relay_opts.pairs = 4;
  relay_opts.window = 16;
  relay_opts.count = base.count != 0 ? base.count : 500;
  relay_opts.first_user = base.first_user;
  bench_context relay_ctx(relay_opts, ctx.adapter, ctx.target, ctx.ex, ctx.tls);
  const run_result relay = co_await run_relay(relay_ctx);
  print_outcome("relay", relay);
  (relay.ok ? passed : failed)++;

  // Fresh names: the relay users may still be logging out on the server.
  bench_options fanout_opts = base;
  fanout_opts.workload = "fanout";
  fanout_opts.users = 10;
  fanout_opts.senders = 2;
  fanout_opts.window = 8;
  fanout_opts.count = base.count != 0 ? base.count : 200;
  fanout_opts.first_user = base.first_user + 2 * relay_opts.pairs;
  bench_context fanout_ctx(fanout_opts, ctx.adapter, ctx.target, ctx.ex, ctx.tls);
  const run_result fan = co_await run_fanout(fanout_ctx);
  print_outcome("fanout", fan);
  (fan.ok ? passed : failed)++;

  if (base.proto == "msgapp") {
    const auto why = co_await check_replies(ctx, fanout_opts.first_user + fanout_opts.users);
    fmt::print("smoke replies: {}{}\n", why.empty() ? "PASS" : "FAIL: ", why);
    (why.empty() ? passed : failed)++;
  }

  fmt::print("smoke: {} passed, {} failed\n", passed, failed);
  co_return failed == 0 ? 0 : 1;
}

}  // namespace msgbench
