// The hub coroutine: moves requests from the inbox into hub_state, and sweeps for time-outs.
#include "msgapp/server/hub.hpp"

namespace msgapp::server {

using namespace net::experimental::awaitable_operators;

hub::hub(net::any_io_executor ex, const config& cfg, const credentials& accounts)
    : inbox_(ex, cfg.hub_inbox), state_(cfg, accounts), sweep_every_(sweep_interval(cfg)) {}

awaitable<void> hub::run() {
  co_await (serve() || sweep_periodically());
}

awaitable<void> hub::serve() {
  // Stop only once shutdown is complete AND nothing is left in the inbox: a buffered attach
  // must still be answered (refused), or its session would wait forever.
  while (!(state_.finished() && !inbox_.ready())) {
    auto [ec, request] = co_await inbox_.async_receive(use_nothrow);
    if (ec) break;
    handle(request);
  }
  inbox_.close();  // sessions that post from now on are told at once that the hub is gone
}

void hub::handle(hub_request& request) {
  const auto now = moment::now();
  std::visit(
      [&](auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, attach_request>) {
          state_.attach(r.id, std::move(r.out), std::move(r.address), now);
        } else if constexpr (std::is_same_v<T, login_request>) {
          r.reply->try_send(net::error_code{}, state_.login(r.id, r.cmd, now));
        } else if constexpr (std::is_same_v<T, command_request>) {
          for (auto& cmd : r.cmds)
            state_.command(r.id, std::move(cmd), now);
        } else if constexpr (std::is_same_v<T, detach_request>) {
          state_.detach(r.id, r.reason, now);
        } else if constexpr (std::is_same_v<T, sweep_request>) {
          state_.sweep(now);
        } else if constexpr (std::is_same_v<T, shutdown_request>) {
          state_.shut_down(now);
        }
      },
      request);
}

// One timer for the whole server instead of one per session: idle sessions cost nothing.
awaitable<void> hub::sweep_periodically() {
  net::steady_timer timer(inbox_.get_executor());
  for (;;) {
    timer.expires_after(sweep_every_);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) co_return;
    hub_request sweep = sweep_request{};
    inbox_.try_send(net::error_code{}, std::move(sweep));  // inbox full: the hub is busy, skip
  }
}

void hub::shut_down() {
  hub_request stop = shutdown_request{};
  net::co_spawn(inbox_.get_executor(), post(std::move(stop)), net::detached);
}

awaitable<bool> hub::post(hub_request request) {
  auto [ec] = co_await inbox_.async_send(net::error_code{}, std::move(request), use_nothrow);
  co_return !ec;
}

// Each request is built in a named local before co_await: g++ 12 corrupts braced aggregate
// temporaries inside a co_await expression (see docs/architecture.md, "g++ 12 pitfalls").
awaitable<bool> hub::attach(conn_id id, std::shared_ptr<line_sink> out, std::string address) {
  hub_request request = attach_request{id, std::move(out), std::move(address)};
  co_return co_await post(std::move(request));
}

awaitable<std::optional<std::string>> hub::login(conn_id id, parsed_command cmd) {
  channel<std::optional<std::string>> reply(inbox_.get_executor(), 1);
  hub_request request = login_request{id, std::move(cmd), &reply};
  if (!co_await post(std::move(request))) co_return std::nullopt;
  auto [ec, user] = co_await reply.async_receive(use_nothrow);
  if (ec) co_return std::nullopt;
  co_return user;
}

awaitable<void> hub::commands(conn_id id, std::vector<parsed_command> cmds) {
  hub_request request = command_request{id, std::move(cmds)};
  co_await post(std::move(request));
}

awaitable<void> hub::detach(conn_id id, std::string reason) {
  hub_request request = detach_request{id, std::move(reason)};
  co_await post(std::move(request));
}

}  // namespace msgapp::server
