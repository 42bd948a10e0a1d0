// The hub coroutine: moves requests from the inbox into hub_state, and sweeps for time-outs.
#include "msgapp/server/hub.hpp"

namespace msgapp::server {

using namespace net::experimental::awaitable_operators;

hub::hub(net::any_io_executor ex, const config& cfg, const credentials& accounts, storage store)
    : inbox_(ex, cfg.hub_inbox),
      checks_(cfg.hash_threads, cfg.hash_queue),
      state_(cfg, accounts, random_tokens(cfg.token_bits),
             store_link{std::move(store.loaded),
                        [this](store::batch b) { store_.submit(std::move(b)); }},
             moment::now()),
      store_(std::move(store.db), ex,
             [this](std::vector<store::outcome> outcomes) { committed(std::move(outcomes)); }),
      sweep_every_(sweep_interval(cfg)) {
  for (const auto& [name, known] : accounts)
    if (known.hashed()) hashes_.emplace(name, known.hash());
}

awaitable<void> hub::run() {
  co_await (serve() || sweep_periodically());
}

awaitable<void> hub::serve() {
  while (!done()) {
    auto [ec, request] = co_await inbox_.async_receive(use_nothrow);
    if (ec) break;  // closed by shut_down(): nothing was left to do
    const auto now = moment::now();
    std::visit([&](auto& r) { handle(r, now); }, request);
  }
  inbox_.close();  // sessions that post from now on are told at once that the hub is gone
}

void hub::handle(attach_request& r, moment now) {
  state_.attach(r.id, std::move(r.out), std::move(r.address), now);
}

void hub::handle(admit_request& r, moment now) {
  r.reply->try_send(net::error_code{}, state_.admit_login(r.id, now));
}

void hub::handle(login_request& r, moment now) {
  r.reply->try_send(net::error_code{}, state_.login(r.id, r.cmd, now, r.hashed));
}

void hub::handle(command_request& r, moment now) {
  batch_result result;
  auto next = r.cmds.begin();
  for (; next != r.cmds.end() && result.cost < r.allowance; ++next)
    result.cost += state_.command(r.id, std::move(*next), now);
  r.cmds.erase(r.cmds.begin(), next);
  result.left = std::move(r.cmds);
  r.reply->try_send(net::error_code{}, std::move(result));
}

void hub::handle(detach_request& r, moment now) {
  state_.detach(r.id, r.reason, now);
}

void hub::handle(flood_request& r, moment now) {
  state_.cut_off_flooding(r.id, now);
}

// One timer for the whole server instead of one per session: idle sessions cost nothing.
// It calls hub_state directly instead of queueing behind the sessions' requests: time-outs
// and the end of shutdown's grace period must not wait for a busy inbox. That is safe
// without a lock because serve() runs on the same thread and never suspends inside
// hub_state, so the sweep always runs between two requests.
awaitable<void> hub::sweep_periodically() {
  net::steady_timer timer(inbox_.get_executor());
  for (;;) {
    timer.expires_after(sweep_every_);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) co_return;
    state_.sweep(moment::now());
  }
}

// The store thread posts its answers here: direct, like the sweep, so a full inbox never
// delays a commit's replies.
void hub::committed(std::vector<store::outcome> outcomes) {
  state_.committed(std::move(outcomes), moment::now());
  if (done()) inbox_.close();  // the last connection was waiting only for its replies
}

// Direct, like the sweep (same thread, between two requests), so it never waits in the inbox.
void hub::shut_down() {
  state_.shut_down(moment::now());
  // With no connection left to detach, no request may come to wake serve(): closing the
  // empty inbox does. (If requests are waiting, serve() wakes for them and checks done().)
  if (done()) inbox_.close();
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

awaitable<std::optional<std::chrono::steady_clock::time_point>> hub::admit_login(conn_id id) {
  channel<std::optional<std::chrono::steady_clock::time_point>> reply(inbox_.get_executor(), 1);
  hub_request request = admit_request{id, &reply};
  if (!co_await post(std::move(request))) co_return std::chrono::steady_clock::now();
  auto [ec, slot] = co_await reply.async_receive(use_nothrow);
  if (ec) co_return std::chrono::steady_clock::now();
  co_return slot;
}

awaitable<hash_check> hub::check_password(const parsed_command& cmd) {
  const auto* attempt = cmd ? std::get_if<protocol::login_cmd>(&*cmd) : nullptr;
  if (attempt == nullptr) co_return hash_check::not_done;
  const auto hash = hashes_.find(attempt->user);
  if (hash == hashes_.end()) co_return hash_check::not_done;  // plain: the hub compares it
  co_return co_await checks_.verify(hash->second, attempt->password);
}

awaitable<std::optional<std::string>> hub::login(conn_id id, parsed_command cmd,
                                                 hash_check hashed) {
  channel<std::optional<std::string>> reply(inbox_.get_executor(), 1);
  hub_request request = login_request{id, std::move(cmd), hashed, &reply};
  if (!co_await post(std::move(request))) co_return std::nullopt;
  auto [ec, user] = co_await reply.async_receive(use_nothrow);
  if (ec) co_return std::nullopt;
  co_return user;
}

awaitable<batch_result> hub::commands(conn_id id, std::vector<parsed_command> cmds,
                                      std::size_t allowance) {
  channel<batch_result> reply(inbox_.get_executor(), 1);
  hub_request request = command_request{id, std::move(cmds), allowance, &reply};
  if (!co_await post(std::move(request))) co_return batch_result{};  // the hub has finished
  auto [ec, result] = co_await reply.async_receive(use_nothrow);
  co_return std::move(result);
}

awaitable<void> hub::flooding(conn_id id) {
  hub_request request = flood_request{id};
  co_await post(std::move(request));
}

awaitable<void> hub::detach(conn_id id, std::string reason) {
  hub_request request = detach_request{id, std::move(reason)};
  co_await post(std::move(request));
}

}  // namespace msgapp::server
