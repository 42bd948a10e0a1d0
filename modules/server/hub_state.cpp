// hub_state: connections, logins, presence, time-outs and shutdown. Commands live in
// hub_commands.cpp. Everything here runs on the hub coroutine, one request at a time.
#include "msgapp/server/hub_state.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "msgapp/protocol/server_line.hpp"

namespace msgapp::server {

using protocol::errc;

namespace {

std::string human(milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{} s", d.count() / 1000);
  return fmt::format("{} ms", d.count());
}

}  // namespace

hub_state::hub_state(config cfg, const credentials& accounts, token_source tokens, store_link store,
                     moment now)
    : cfg_(std::move(cfg)),
      new_token_(std::move(tokens)),
      submit_(std::move(store.submit)),
      per_address_(cfg_),
      throttle_(cfg_) {
  for (const auto& [name, password] : accounts)
    accounts_[name].password = password;
  load(store.loaded, now);
  next_prune_ = now.mono;  // the first sweep applies the login history's retention
}

bool hub_state::attach(conn_id id, std::shared_ptr<line_sink> out, std::string address,
                       moment now) {
  if (stopping_ || connections_.size() >= cfg_.max_connections) {
    const protocol::error full{errc::server_full, "the server is full or stopping; try later"};
    out->deliver(make_line(protocol::format_error(full)));
    out->close_after_flush();
    spdlog::warn("connection {} refused: {}", id, stopping_ ? "stopping" : "server full");
    return false;
  }
  if (!per_address_.admit(address)) {
    const protocol::error crowded{
        errc::too_many_connections,
        fmt::format("{} connections from your address are open already; close one and try again",
                    cfg_.connections_per_address)};
    out->deliver(make_line(protocol::format_error(crowded)));
    out->close_after_flush();
    spdlog::warn("connection {} refused: {} has {} connections", id, address,
                 cfg_.connections_per_address);
    return false;
  }
  auto& c =
      connections_.emplace(id, conn_state{id, std::move(out), {}, now.mono, std::move(address)})
          .first->second;
  c.attached = now.mono;
  return true;
}

std::optional<std::chrono::steady_clock::time_point> hub_state::admit_login(conn_id id,
                                                                            moment now) {
  conn_state* c = find_connection(id);
  if (c == nullptr) return now.mono;  // gone: login() will find nothing to do
  auto slot = throttle_.admit(c->address, now.mono);
  if (!slot) {
    // Never "blocked": that word means the 3-strike block of a name.
    reply_error(*c, errc::login_busy,
                "too many login attempts from your address at once; the login was not tried, "
                "try again in a few seconds");
    finish_turn(now);
  }
  return slot;
}

std::optional<std::string> hub_state::login(conn_id id, const parsed_command& cmd, moment now,
                                            hash_check hashed) {
  std::optional<std::string> result;
  login(id, cmd, now, hashed, [&result](std::optional<std::string> user) { result = user; });
  return result;  // (a single node answers at once)
}

void hub_state::login(conn_id id, const parsed_command& cmd, moment now, hash_check hashed,
                      login_done done) {
  conn_state* c = find_connection(id);
  if (c == nullptr || c->closing) return done(std::nullopt);
  c->last_active = now.mono;
  c->idle_warned = false;
  std::optional<std::string> result;
  const auto* attempt = cmd ? std::get_if<protocol::login_cmd>(&*cmd) : nullptr;
  const auto* port = cmd ? std::get_if<protocol::privateport_cmd>(&*cmd) : nullptr;
  const auto* receipts = cmd ? std::get_if<protocol::receipts_cmd>(&*cmd) : nullptr;
  if (!cmd) {
    reply_error(*c, cmd.error().code, cmd.error().text);
  } else if (port != nullptr) {
    // Taken before login too, so no user is ever online without the port their client has.
    on(*c, *port, now);
  } else if (receipts != nullptr) {
    c->receipts = true;  // before login: the first page of the queue already has ids
    reply_ok(*c, protocol::receipts_reply{database_id_});
  } else if (attempt == nullptr) {
    reply_error(*c, errc::not_logged_in, "log in first: login <user> <password>");
  } else if (account* acc = find_account(attempt->user); acc == nullptr) {
    throttle_.failed(c->address, now.mono);
    reply_unknown_user(*c, attempt->user);
  } else if (cluster_ && claim_login(*c, *acc, *attempt, hashed, now, done)) {
    // Redis decides: blocks, wrong passwords and "already online" are cluster-wide. The
    // answer comes through claimed().
    finish_turn(now);
    return;
  } else if (acc->blocked_until > now.mono) {
    refuse_blocked(*c, attempt->user, acc->blocked_until - now.mono, now);
  } else if (acc->password.hashed() && hashed == hash_check::refused) {
    // Nothing was checked, so it counts for nothing: not a wrong password, not a login.
    reply_error(*c, errc::login_busy,
                "the server is checking too many passwords at the moment; try again");
    spdlog::info("login of {} (connection {}) refused: the password queue is full", attempt->user,
                 id);
  } else if (!acc->password.matches(attempt->password, hashed)) {
    const int left = cfg_.login_attempts - ++acc->failed_logins;
    if (left > 0) {
      refuse_wrong_password(*c, attempt->user, left, now);
    } else {
      acc->failed_logins = 0;
      acc->blocked_until = now.mono + cfg_.block_duration;
      block_name(*c, attempt->user, now);
    }
  } else if (acc->online) {
    acc->failed_logins = 0;
    reply_error(*c, errc::already_online, fmt::format("{} is already logged in", attempt->user));
  } else {
    c->user = attempt->user;
    accept_login(*c, *acc, now);
    result = c->user;
  }
  finish_turn(now);
  done(std::move(result));
}

// ---- a login's refusals (also for the cluster's answers: hub_cluster.cpp) ----

void hub_state::refuse_wrong_password(conn_state& c, std::string_view user, int left, moment now) {
  throttle_.failed(c.address, now.mono);
  spdlog::info("wrong password for {} (connection {}), {} attempts left", user, c.id, left);
  reply_error(c, errc::wrong_password,
              fmt::format("wrong password; {} attempt{} left", left, left == 1 ? "" : "s"));
}

void hub_state::refuse_blocked(conn_state& c, std::string_view user,
                               std::chrono::steady_clock::duration left, moment now) {
  throttle_.failed(c.address, now.mono);
  reply_error(c, errc::login_blocked,
              fmt::format("{} is blocked after too many wrong passwords; try again in {} s", user,
                          std::chrono::ceil<std::chrono::seconds>(left).count()));
  spdlog::info("login refused for {} (connection {}): still blocked", user, c.id);
  close_gracefully(c);
}

void hub_state::block_name(conn_state& c, std::string_view user, moment now) {
  throttle_.failed(c.address, now.mono);
  // Durable, so a restart does not lift it; told only once it is saved (or not: the block
  // holds in memory, or in Redis, either way).
  write(store::set_login_block{std::string(user), wall(now) + cfg_.block_duration.count()});
  const auto line = make_line(protocol::format_error(protocol::error{
      errc::login_blocked, fmt::format("{} wrong passwords: {} is blocked for {}",
                                       cfg_.login_attempts, user, human(cfg_.block_duration))}));
  reply_when_committed(c, line, line);
  spdlog::warn("{} blocked for {} after {} wrong passwords", user, human(cfg_.block_duration),
               cfg_.login_attempts);
  close_gracefully(c);
}

void hub_state::accept_login(conn_state& c, account& acc, moment now) {
  acc.failed_logins = 0;
  acc.online = c.id;
  acc.remote_node.clear();
  write(store::record_login{c.user, wall(now)},
        cluster_ ? op_effect{undo_login{c.id}} : op_effect{});
  const auto welcome = make_line(protocol::format(protocol::welcome_reply{c.user}));
  if (cluster_) {
    // Other nodes may have queued for this user since we last counted: always read the queue.
    // The welcome waits for that read, and the login is undone if the database cannot be
    // reached (nothing acknowledged may rest on a login the database never saw).
    const protocol::error lost{errc::cluster_unavailable,
                               "the server cannot reach its database just now; you are not "
                               "logged in, try again shortly"};
    reply_when_committed(c, welcome, make_line(protocol::format_error(lost)));
    request_page(c);
    cluster_->to_all(cluster::presence{c.user, cluster_->node, true, wall(now), c.private_port});
  } else if (acc.queued == 0) {
    send(c, welcome);
  } else {
    // Queued messages follow the welcome, oldest first, a page at a time from the store.
    // The welcome waits for the first page, so nothing else reaches the client before it.
    reply_when_committed(c, welcome, welcome);
    request_page(c);
  }
  announce(c.user, protocol::presence_change::logged_in, now);
  spdlog::info("{} logged in (connection {})", c.user, c.id);
}

void hub_state::detach(conn_id id, std::string_view reason, moment now) {
  conn_state* c = find_connection(id);
  if (c == nullptr) return;
  if (!c->detached) per_address_.release(c->address);  // counted once, whatever the reason
  end_session(*c, reason, now);
  spdlog::info("connection {} closed: {}", id, reason);
  if (c->held.empty()) {
    c->out->close_after_flush();  // a client that half-closed still gets its last replies
    connections_.erase(id);
  } else {
    // Its last replies wait for a commit: keep the record until they have gone out.
    c->detached = true;
    close_gracefully(*c);
  }
  finish_turn(now);
}

void hub_state::sweep(moment now) {
  if (cfg_.login_deadline.count() > 0) {
    // Whatever a connection sends, it has this long to log in: lines are not enough.
    for (auto& [id, c] : connections_) {
      if (c.closing || !c.user.empty() || now.mono - c.attached < cfg_.login_deadline) continue;
      send(c, make_line(protocol::format_timeout(
                  fmt::format("not logged in within {}; closed", human(cfg_.login_deadline)))));
      spdlog::info("connection {} from {}: not logged in within {}", id, c.address,
                   human(cfg_.login_deadline));
      close_gracefully(c);
    }
  }
  throttle_.forget_old(now.mono);
  warn_idle(now);
  if (cfg_.timeout.count() > 0) {
    for (auto& [id, c] : connections_) {
      if (c.closing || now.mono - c.last_active < cfg_.timeout) continue;
      const auto what = c.user.empty() ? "without logging in" : "without a command";
      send(c, make_line(protocol::format_timeout(
                  fmt::format("timed out after {} {}; logged out", human(cfg_.timeout), what))));
      end_session(c, "timed out", now);
      close_gracefully(c);
    }
  }
  if (stopping_ && now.mono >= stop_deadline_) {
    for (auto& [id, c] : connections_) {
      c.out->abort();  // clients that would not drain
      c.held.clear();
    }
    std::erase_if(connections_, [](const auto& entry) { return entry.second.detached; });
  }
  if (now.mono >= next_prune_) {
    write(store::forget_logins_before{wall(now) - milliseconds(cfg_.login_history).count()});
    next_prune_ = now.mono + std::chrono::hours(1);
  }
  finish_turn(now);
}

// The idle time-out counts commands only, so a user who reads without typing would be
// dropped unawares: say so once, ahead of time, in words that do not say it has happened.
void hub_state::warn_idle(moment now) {
  const auto lead = idle_warning_lead(cfg_);
  if (lead.count() <= 0) return;
  for (auto& [id, c] : connections_) {
    const auto idle = now.mono - c.last_active;
    if (c.closing || c.user.empty() || c.idle_warned || idle < cfg_.timeout - lead ||
        idle >= cfg_.timeout) {
      continue;
    }
    c.idle_warned = true;
    const auto left = std::chrono::ceil<std::chrono::seconds>(cfg_.timeout - idle).count();
    const auto seconds = static_cast<std::uint64_t>(left);
    send(c, make_line(protocol::format_idle_warning(
                seconds, fmt::format("you will be signed off in {} s for inactivity unless you "
                                     "send a command",
                                     seconds))));
  }
}

void hub_state::shut_down(moment now) {
  if (stopping_) return;
  stopping_ = true;
  stop_deadline_ = now.mono + cfg_.shutdown_grace;
  spdlog::info("shutting down: closing {} connections", connections_.size());
  const auto notice = make_line(protocol::format_shutdown("the server is shutting down"));
  for (auto& [id, c] : connections_) {
    if (c.detached) continue;
    // Ahead of everything still queued or waiting for a commit: a client that reads slowly,
    // or whose replies wait for a busy store, is told at once, not after the grace period.
    // What follows the notice still goes out while the grace period lasts.
    c.out->say_last(notice);
    forget_login(c, now);  // everyone is leaving: no presence notices
    close_gracefully(c);
  }
  finish_turn(now);
}

// ---- output and bookkeeping shared by every request ----

bool hub_state::send(conn_state& c, shared_line line) {
  if (!c.held.empty()) {
    // Behind a reply that waits for its commit: the client sees lines in the hub's order.
    c.held_bytes += line->size();
    c.held.push_back(held_line{0, line, line});
    if (c.held_bytes <= cfg_.outbox_bytes) return true;
  } else if (c.out->deliver(std::move(line))) {
    return true;
  }
  too_slow_.push_back(c.id);
  return false;
}

void hub_state::reply_ok(conn_state& c, const protocol::ok_reply& reply) {
  send(c, make_line(protocol::format(reply)));
}

void hub_state::reply_error(conn_state& c, errc code, std::string text) {
  send(c, make_line(protocol::format_error(protocol::error{code, std::move(text)})));
}

void hub_state::end_session(conn_state& c, std::string_view reason, moment now) {
  if (c.user.empty()) return;
  const std::string user = forget_login(c, now);
  spdlog::info("{} logged out ({})", user, reason);
  announce(user, protocol::presence_change::logged_out, now);
}

std::string hub_state::forget_login(conn_state& c, moment now) {
  if (c.user.empty()) return {};
  std::string user = std::exchange(c.user, {});
  auto& acc = accounts_.at(user);
  acc.online.reset();
  acc.last_seen = now.wall;
  acc.offers.clear();
  c.private_port = 0;
  write(store::record_logout{user, wall(now)});
  if (cluster_) {
    cluster_->release(user);
    cluster_->to_all(cluster::presence{user, cluster_->node, false, wall(now), 0});
  }
  return user;
}

void hub_state::close_gracefully(conn_state& c) {
  if (c.held.empty()) {
    c.out->close_after_flush();
  } else {
    c.close_when_released = true;  // after the replies that wait for a commit
  }
  c.closing = true;  // lines it still sends are ignored until it detaches
}

hub_state::account* hub_state::other_user(conn_state& c, std::string_view name,
                                          std::string_view action) {
  if (name == c.user) {
    reply_error(c, errc::self, fmt::format("you cannot {} yourself", action));
    return nullptr;
  }
  account* acc = find_account(name);
  if (acc == nullptr) reply_unknown_user(c, name);
  return acc;
}

void hub_state::reply_unknown_user(conn_state& c, std::string_view name) {
  reply_error(c, errc::unknown_user, fmt::format("no user named '{}'", name));
}

void hub_state::announce(const std::string& user, protocol::presence_change change, moment now) {
  const auto& blocked = accounts_.at(user).blocked;
  const auto line = make_line(protocol::format_presence(time_text(now), user, change));
  for (auto& [id, c] : connections_) {
    if (c.user.empty() || c.user == user || c.closing || blocked.contains(c.user)) continue;
    send(c, line);
  }
}

// A client whose outbox overflowed has stopped reading: cut it off, so nobody waits for it.
// Done after the turn, because cutting off announces a logout, which may overflow others.
void hub_state::finish_turn(moment now) {
  while (!too_slow_.empty()) {
    const auto ids = std::exchange(too_slow_, {});
    for (const conn_id id : ids) {
      conn_state* c = find_connection(id);
      // Skip those cut off already. One closing behind held lines is cut off all the same:
      // they no longer fit, so neither they nor its close would ever go (found by fuzz_hub).
      if (c == nullptr || (c->closing && !c->close_when_released)) continue;
      spdlog::warn("cutting off connection {} ({}): outbox full, the client is not reading", id,
                   c->user.empty() ? "not logged in" : c->user);
      c->out->abort();
      c->held.clear();
      c->held_bytes = 0;
      c->closing = true;
      c->close_when_released = false;
      end_session(*c, "cut off: not reading", now);
      if (c->detached) connections_.erase(id);
    }
  }
  flush_batch();
}

const std::string& hub_state::time_text(moment now) {
  const auto second = std::chrono::floor<std::chrono::seconds>(now.wall);
  if (cached_time_.empty() || second != cached_second_) {
    cached_second_ = second;
    cached_time_ = protocol::format_time(second);
  }
  return cached_time_;
}

hub_state::account* hub_state::find_account(std::string_view name) {
  const auto it = accounts_.find(name);
  return it == accounts_.end() ? nullptr : &it->second;
}

hub_state::conn_state* hub_state::find_connection(conn_id id) {
  const auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : &it->second;
}

}  // namespace msgapp::server
