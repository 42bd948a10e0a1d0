// The node: lease, janitor, bus and login claims over Redis (scripts.hpp holds the atomic steps).
#include "msgapp/cluster/node.hpp"

#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "msgapp/cluster/codec.hpp"
#include "scripts.hpp"

namespace msgapp::cluster {

namespace {

std::string random_token() {
  std::random_device os_random;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", os_random(), os_random(), os_random(),
                     os_random());
}

wall_ms wall_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// EVAL with its keys and arguments.
std::vector<std::string> eval(const char* script, std::vector<std::string> keys,
                              std::vector<std::string> args) {
  std::vector<std::string> command{"EVAL", script, std::to_string(keys.size())};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

bool is_array(const redis::result& r) {
  return r && r->type == redis::reply::kind::array;
}

std::string why(const redis::result& r) {
  if (!r) return r.error();
  if (r->type == redis::reply::kind::error) return r->text;
  return "an unexpected reply";  // not protocol: a log's reason
}

// The commands a node sends must answer well inside a lease, or a renewal could not fail in time.
redis::client_options command_options(std::chrono::milliseconds lease, std::size_t pending) {
  redis::client_options o;
  o.max_pending = pending;
  o.command_timeout = std::min<std::chrono::milliseconds>(o.command_timeout, lease / 4);
  o.connect_timeout = std::min<std::chrono::milliseconds>(o.connect_timeout, lease / 4);
  return o;
}

}  // namespace

std::string node_channel(std::string_view id) {
  return fmt::format("to-node:{}", id);
}

node::node(net::any_io_executor ex, node_options options, node_handlers handlers)
    : ex_(ex),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      node_channel_(node_channel(options_.id)),
      commands_(std::make_unique<redis::client>(
          ex, options_.redis, command_options(options_.lease, options_.redis_pending))),
      bus_(std::make_unique<redis::subscriber>(
          ex, options_.redis, command_options(options_.lease, options_.redis_pending))),
      wake_(ex),
      ready_(ex) {
  bus_->subscribe({node_channel_, std::string(everyone_channel)});
  bus_->on_message([this](std::string_view, std::string_view payload) { got_messages(payload); });
  bus_->on_state([this](bool subscribed) {
    subscribed_ = subscribed;
    // Events may have been missed while we were not listening: read who is where afresh.
    if (subscribed && joined_) reload_view();
    wake_waiters();
    spdlog::info("cluster bus {}", subscribed ? "heard again" : "lost");
  });
  commands_->on_state([this](bool connected) {
    if (!connected) {
      spdlog::warn("cluster: Redis connection lost; reconnecting");
      unsure_ = true;
    } else {
      wake_.cancel();  // join, or renew, now rather than at the next tick
    }
  });
}

bool node::ready() const {
  return joined_ && subscribed_ && !unsure_ && !stopping_ && commands_->connected();
}

awaitable<void> node::wait_until_ready(std::chrono::milliseconds most) {
  if (ready()) co_return;
  ready_.expires_after(most);
  co_await ready_.async_wait(use_nothrow);
}

void node::wake_waiters() {
  if (ready()) ready_.cancel();
}

link node::make_link() {
  link l;
  l.node = options_.id;
  l.ready = [this] { return ready(); };
  l.claim = [this](login_claim c) { claim(std::move(c)); };
  l.release = [this](std::string user) { release(std::move(user)); };
  l.poke = [this](std::string user, std::function<void()> done) {
    poke(std::move(user), std::move(done));
  };
  l.to_node = [this](const std::string& id, event e) { queue(node_channel(id), std::move(e)); };
  l.to_all = [this](event e) {
    // A private port lives in Redis too, for nodes that read the view afresh.
    if (const auto* p = std::get_if<private_port>(&e); p && commands_) {
      auto cmd = eval(scripts::set_port, {"online:" + p->user, "node-users:" + options_.id},
                      {options_.id, p->user, std::to_string(p->port)});
      commands_->command(std::move(cmd), [](redis::result) {});
    }
    queue(std::string(everyone_channel), std::move(e));
  };
  return l;
}

// ---- logins ----

void node::claim(login_claim c) {
  if (!commands_) {
    claim_result stopped;
    stopped.why = "the node is stopping";  // not protocol: a log's reason
    return handlers_.claimed(c, stopped);
  }
  const auto& u = c.user;
  auto cmd = eval(scripts::login,
                  {"online:" + u, "failed:" + u, "login-block:" + u, "node-users:" + options_.id},
                  {options_.id, c.password_ok ? "1" : "0", std::to_string(options_.login_attempts),
                   std::to_string(options_.block_duration.count()), u, "0"});
  commands_->command(std::move(cmd), [this, c = std::move(c)](redis::result r) {
    claim_result result;
    if (!is_array(r) || r->elements.size() != 2) {
      result.why = why(r);
      return handlers_.claimed(c, result);
    }
    const auto& outcome = r->elements[0].text;
    const auto number = r->elements[1].integer;
    using kind = claim_result::kind;
    if (outcome == "claimed") {
      result.outcome = kind::claimed;
    } else if (outcome == "online") {
      result.outcome = kind::online;
    } else if (outcome == "wrong") {
      result.outcome = kind::wrong;
      result.attempts_left = static_cast<int>(number);
    } else if (outcome == "blocked-now") {
      result.outcome = kind::blocked_now;
    } else if (outcome == "blocked") {  // not protocol: the login script's outcome
      result.outcome = kind::blocked;
      result.blocked_ms = number;
    } else {
      result.why = fmt::format("the login script said '{}'", outcome);
    }
    handlers_.claimed(c, result);
  });
}

void node::release(std::string user) {
  if (!commands_) return;  // stopped: the lease ends, and the janitor frees what is left
  auto cmd =
      eval(scripts::release, {"online:" + user, "node-users:" + options_.id}, {options_.id, user});
  commands_->command(std::move(cmd), [user](redis::result r) {
    // Not freed now: the janitor frees it once this node's lease runs out (we fence first).
    if (!r || r->type == redis::reply::kind::error)
      spdlog::warn("cluster: could not free {} in Redis: {}", user, why(r));
  });
}

void node::poke(std::string user, std::function<void()> done) {
  if (!commands_) return done();
  std::vector<std::string> cmd{"GET", "online:" + user};
  commands_->command(std::move(cmd), [this, user, done = std::move(done)](redis::result r) {
    // Offline (nil), or on this node (its hub reads the queue itself): nobody to tell.
    if (r && r->type == redis::reply::kind::string && r->text != options_.id)
      queue(node_channel(r->text), queued{user});
    done();
  });
}

// ---- the bus ----

// Everything queued in one pass of the event loop (a hub turn) leaves as one PUBLISH per
// channel, in order; Redis keeps one publisher's order, so each sender->recipient order holds.
void node::queue(std::string channel, event e) {
  outgoing_[std::move(channel)].push_back(std::move(e));
  if (flush_posted_) return;
  flush_posted_ = true;
  net::post(ex_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.lock()) flush();
  });
}

void node::flush() {
  flush_posted_ = false;
  if (!commands_) return;  // stopped
  for (auto& [channel, events] : std::exchange(outgoing_, {})) {
    const bool to_a_node = channel != everyone_channel;
    std::vector<std::string> cmd{"PUBLISH", channel, encode(events)};
    commands_->command(
        std::move(cmd), [this, to_a_node, events = std::move(events)](redis::result r) mutable {
          // Nobody subscribed: the node is gone (or cut off), so its users are as good as offline.
          // Without an answer at all we cannot know: they are queued too (a rare duplicate rather
          // than a loss).
          const bool heard = r && r->type == redis::reply::kind::integer && r->integer > 0;
          if (to_a_node && !heard) handlers_.undelivered(std::move(events));
        });
  }
}

void node::got_messages(std::string_view payload) {
  auto events = decode(payload);
  if (!events.empty()) handlers_.remote(std::move(events));
}

void node::reload_view() {
  auto cmd = eval(scripts::view, {"nodes"}, {});
  commands_->command(std::move(cmd), [this](redis::result r) {
    if (!is_array(r)) return spdlog::warn("cluster: could not read who is online: {}", why(r));
    std::vector<std::pair<std::string, std::string>> online_at;
    std::vector<std::pair<std::string, std::uint16_t>> ports;
    for (const auto& entry : r->elements) {
      if (entry.elements.empty()) continue;
      const auto& id = entry.elements[0].text;
      for (std::size_t i = 1; i + 1 < entry.elements.size(); i += 2) {
        const auto& user = entry.elements[i].text;
        online_at.emplace_back(user, id);
        ports.emplace_back(user, static_cast<std::uint16_t>(std::strtoul(
                                     entry.elements[i + 1].text.c_str(), nullptr, 10)));
      }
    }
    handlers_.view(online_at, ports);
  });
}

// ---- lease and janitor ----

awaitable<void> node::run() {
  commands_->start();
  bus_->start();
  while (!stopping_) {
    co_await tick();
    if (stopping_) break;
    wake_.expires_after(options_.lease / 4);
    co_await wake_.async_wait(use_nothrow);
  }
  // Everything queued before (the last logouts, the lease given up) has been answered once
  // this is: Redis answers in order. Then the connection may go.
  if (commands_->connected()) {
    std::vector<std::string> ping{"PING"};  // a named local: see asio-1.22.md
    co_await commands_->async_command(std::move(ping));
  }
  commands_.reset();
}

void node::stop() {
  if (stopping_) return;
  stopping_ = true;
  wake_.cancel();
  bus_.reset();
  subscribed_ = false;
  flush();  // the last logouts leave now, not after a post
  if (!joined_) return;
  joined_ = false;
  // Leave at once rather than after a lease: the users were freed by their logouts.
  auto cmd = eval(scripts::renew, {"node:" + options_.id}, {token_, "1"});
  commands_->command(std::move(cmd), [](redis::result) {});
}

awaitable<void> node::tick() {
  if (joined_) co_await renew();
  if (!joined_) co_await try_join();  // also at once after losing the lease
  if (joined_) co_await janitor_round();
}

awaitable<void> node::try_join() {
  if (!commands_->connected()) co_return;
  token_ = random_token();
  const auto sent = std::chrono::steady_clock::now();
  auto cmd = eval(scripts::join, {"node:" + options_.id, "node-users:" + options_.id, "nodes"},
                  {options_.id, token_, std::to_string(options_.lease.count())});
  const auto r = co_await commands_->async_command(std::move(cmd));
  if (r && r->type == redis::reply::kind::nil) {
    spdlog::warn(
        "cluster: node id {} is held by a live node (or this node's previous life, "
        "until its lease runs out); waiting",
        options_.id);
    co_return;
  }
  if (!is_array(r)) co_return spdlog::warn("cluster: could not join: {}", why(r));
  joined_ = true;
  unsure_ = false;
  renewed_ = sent;
  wake_waiters();
  spdlog::info("cluster: node {} joined (lease {} ms)", options_.id, options_.lease.count());
  std::vector<std::string> freed;
  for (const auto& u : r->elements)
    freed.push_back(u.text);
  if (!freed.empty()) {
    // Left online by this node's previous life: announced and recorded as logged out now.
    const auto at = wall_now();
    for (const auto& u : freed)
      queue(std::string(everyone_channel), presence{u, options_.id, false, at, 0});
    handlers_.reaped(freed);
  }
  if (subscribed_) reload_view();
}

awaitable<void> node::renew() {
  const auto sent = std::chrono::steady_clock::now();
  auto cmd = eval(scripts::renew, {"node:" + options_.id},
                  {token_, std::to_string(options_.lease.count())});
  const auto r = co_await commands_->async_command(std::move(cmd));
  if (!joined_) co_return;  // stopped meanwhile
  if (r && r->type == redis::reply::kind::integer) {
    if (r->integer == 1) {
      renewed_ = sent;
      if (std::exchange(unsure_, false)) wake_waiters();
      co_return;
    }
    co_return lose_lease("the lease ran out in Redis");  // not protocol: a log's reason
  }
  // No answer: give the users up before the lease can run out in Redis and the janitor frees
  // them, so no name is ever online twice.
  if (std::chrono::steady_clock::now() - renewed_ >= options_.lease * 3 / 4)
    lose_lease(fmt::format("no renewal for {} ms ({})", options_.lease.count() * 3 / 4, why(r)));
}

void node::lose_lease(std::string_view why_lost) {
  spdlog::error("cluster: node {} fences itself: {}", options_.id, why_lost);
  joined_ = false;
  handlers_.fence();
}

awaitable<void> node::janitor_round() {
  auto cmd = eval(scripts::janitor, {"janitor", "nodes"},
                  {options_.id, std::to_string(options_.lease.count())});
  const auto r = co_await commands_->async_command(std::move(cmd));
  if (!is_array(r)) co_return;
  std::vector<std::string> freed;
  const auto at = wall_now();
  for (const auto& dead : r->elements) {
    if (dead.elements.empty()) continue;
    const auto& id = dead.elements[0].text;
    spdlog::warn("cluster: node {} is gone; freeing its {} users", id, dead.elements.size() - 1);
    for (std::size_t i = 1; i < dead.elements.size(); ++i) {
      const auto& user = dead.elements[i].text;
      queue(std::string(everyone_channel), presence{user, id, false, at, 0});
      freed.push_back(user);
    }
  }
  if (!freed.empty()) handlers_.reaped(freed);
}

}  // namespace msgapp::cluster
