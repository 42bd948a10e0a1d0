// The hub coroutine: moves requests from the inbox into hub_state, and sweeps for time-outs.
#include "msgapp/server/hub.hpp"

#include <stdexcept>

#include "msgapp/server/flush_list.hpp"

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
      sweep_every_(sweep_interval(cfg)),
      turn_requests_(cfg.hub_turn_requests),
      turn_time_(cfg.hub_turn_time) {
  for (const auto& [name, known] : accounts)
    if (known.hashed()) hashes_.emplace(name, known.hash());
  if (!cfg.cluster_node.empty()) {
    auto where = redis::parse_url(cfg.cluster_redis);  // (checked when the options were read)
    if (!where) throw std::invalid_argument(where.error());
    cluster::node_options options{cfg.cluster_node,   std::move(*where),
                                  cfg.cluster_lease,  cfg.login_attempts,
                                  cfg.block_duration, cfg.cluster_redis_pending};
    node_ = std::make_unique<cluster::node>(ex, std::move(options), node_handlers());
    state_.join_cluster(node_->make_link());
  }
}

awaitable<void> hub::run() {
  if (node_) {
    co_await (serve() || sweep_periodically() || node_->run());
  } else {
    co_await (serve() || sweep_periodically());
  }
}

awaitable<void> hub::wait_for_cluster(milliseconds most) {
  if (node_) co_await node_->wait_until_ready(most);
}

// Like the store's answers: the node's news is applied directly, between two requests.
cluster::node_handlers hub::node_handlers() {
  cluster::node_handlers h;
  h.claimed = [this](const cluster::login_claim& c, const cluster::claim_result& r) {
    state_.claimed(c, r, moment::now());
  };
  h.remote = [this](std::vector<cluster::event> events) {
    state_.remote(std::move(events), moment::now());
  };
  h.undelivered = [this](std::vector<cluster::event> events) {
    state_.undelivered(std::move(events), moment::now());
  };
  h.view = [this](const auto& online_at, const auto& ports) { state_.view(online_at, ports); };
  h.fence = [this] {
    state_.fence(moment::now());
    after_direct_call();
  };
  h.reaped = [this](const std::vector<std::string>& users) { state_.reaped(users, moment::now()); };
  return h;
}

void hub::after_direct_call() {
  if (done()) inbox_.close();
}

awaitable<void> hub::serve() {
  const auto ex = inbox_.get_executor();
  while (!done()) {
    auto [ec, request] = co_await inbox_.async_receive(use_nothrow);
    if (ec) break;  // closed by shut_down(): nothing was left to do
    // One turn: the lines its requests queue leave together after it, in one write per
    // connection (flush_list), so a storm of logins costs one write per recipient per turn,
    // not one per presence line.
    // Bounded in requests and in time, so a turn of costly requests (broadcasts to
    // hundreds) stays one request long, as before, and sessions' I/O is not starved.
    const auto until = std::chrono::steady_clock::now() + turn_time_;
    flush_list::hold(ex);
    handle(request);
    std::size_t handled = 1;
    bool yielded = false;
    for (;;) {
      handled += take_waiting(turn_requests_ - handled, until);
      if (handled >= turn_requests_ || done() || yielded || !flush_list::waiting(ex) ||
          std::chrono::steady_clock::now() >= until)
        break;
      // Output waits and the inbox is empty. Sessions already woken in this pass of the event
      // loop (a storm's next logins) are about to post: yield once to take them too. A quiet
      // server pays one post, and its lines leave as soon as nothing more is waiting.
      yielded = true;
      co_await net::post(ex, net::use_awaitable);
    }
    flush_list::release(ex);
  }
  inbox_.close();  // sessions that post from now on are told at once that the hub is gone
  if (node_) node_->stop();
}

// Handles up to `most` requests already in the inbox, without waiting, while the time is
// before `until`; returns how many.
std::size_t hub::take_waiting(std::size_t most, std::chrono::steady_clock::time_point until) {
  std::size_t n = 0;
  bool more = true;
  while (more && n < most && !done() && std::chrono::steady_clock::now() < until) {
    const bool taken = inbox_.try_receive([&](net::error_code ec, hub_request next) {
      if (ec) {
        more = false;  // closed: the next async_receive says so and ends serve()
      } else {
        handle(next);
        ++n;
      }
    });
    more = more && taken;
  }
  return n;
}

void hub::handle(hub_request& request) {
  const auto now = moment::now();
  std::visit([&](auto& r) { handle(r, now); }, request);
}

void hub::handle(attach_request& r, moment now) {
  state_.attach(r.id, std::move(r.out), std::move(r.address), now);
}

void hub::handle(admit_request& r, moment now) {
  r.reply->try_send(net::error_code{}, state_.admit_login(r.id, now));
}

// In cluster mode the answer may come later, once Redis has answered the claim: the asking
// session waits for it on its reply channel, which lives in its frame until then.
void hub::handle(login_request& r, moment now) {
  auto* reply = r.reply;
  state_.login(r.id, r.cmd, now, r.hashed, [reply](std::optional<std::string> user) {
    reply->try_send(net::error_code{}, std::move(user));
  });
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
