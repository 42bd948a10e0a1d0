// hub_state in cluster mode: logins claimed in Redis, and the events of other nodes applied to
// this node's view of them (who is online where, their blocks) and to its own users.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "msgapp/protocol/server_line.hpp"
#include "msgapp/server/hub_state.hpp"

namespace msgapp::server {

using protocol::errc;
using kind = cluster::claim_result::kind;

namespace {

std::chrono::system_clock::time_point from_wall(cluster::wall_ms ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

}  // namespace

void hub_state::join_cluster(cluster::link link) {
  cluster_ = std::move(link);
}

void hub_state::reply_cluster_unavailable(conn_state& c, std::string_view what) {
  reply_error(c, errc::cluster_unavailable,
              fmt::format("this server cannot reach the rest of the cluster just now; {}; try "
                          "again shortly",
                          what));
}

// Redis holds the cluster-wide part of a login in one atomic step: the name's block, its count
// of wrong passwords, and who has it online. False: answered already (not asked).
bool hub_state::claim_login(conn_state& c, account& acc, const protocol::login_cmd& attempt,
                            hash_check hashed, moment, login_done& done) {
  if (acc.password.hashed() && hashed == hash_check::refused) return false;  // login-busy
  if (!cluster_->ready()) {
    reply_cluster_unavailable(c, "the login was not tried");
    done(std::nullopt);
    return true;
  }
  claiming_.emplace(c.id, std::move(done));
  cluster_->claim(
      cluster::login_claim{c.id, attempt.user, acc.password.matches(attempt.password, hashed)});
  return true;
}

void hub_state::claimed(const cluster::login_claim& claim, const cluster::claim_result& result,
                        moment now) {
  const auto waiting = claiming_.find(claim.conn);
  if (waiting == claiming_.end()) return;
  const login_done done = std::move(waiting->second);
  claiming_.erase(waiting);
  conn_state* c = find_connection(claim.conn);
  account* acc = find_account(claim.user);
  if (c == nullptr || c->closing || acc == nullptr) {
    if (result.outcome == kind::claimed) cluster_->release(claim.user);  // nobody to have it
    finish_turn(now);
    return done(std::nullopt);
  }
  std::optional<std::string> user;
  switch (result.outcome) {
    case kind::claimed:
      c->user = claim.user;
      accept_login(*c, *acc, now);
      user = c->user;
      break;
    case kind::online:
      reply_error(*c, errc::already_online, fmt::format("{} is already logged in", claim.user));
      break;
    case kind::wrong:
      refuse_wrong_password(*c, claim.user, result.attempts_left, now);
      break;
    case kind::blocked_now:  // durable too, beside Redis's key, as on one node
      block_name(*c, claim.user, now);
      break;
    case kind::blocked:
      refuse_blocked(*c, claim.user, std::chrono::milliseconds(result.blocked_ms), now);
      break;
    case kind::unavailable:
      spdlog::warn("login of {} not tried: {}", claim.user, result.why);
      reply_cluster_unavailable(*c, "the login was not tried");
      break;
  }
  finish_turn(now);
  done(std::move(user));
}

void hub_state::remote(std::vector<cluster::event> events, moment now) {
  if (!cluster_) return;
  for (const auto& e : events)
    std::visit([&](const auto& v) { on_remote(v, now); }, e);
  finish_turn(now);
}

void hub_state::undelivered(std::vector<cluster::event> events, moment now) {
  for (const auto& e : events) {
    if (const auto* m = std::get_if<cluster::direct_message>(&e)) queue_from_cluster(*m);
  }
  finish_turn(now);
}

void hub_state::queue_from_cluster(const cluster::direct_message& m) {
  account* to = find_account(m.to);
  account* from = find_account(m.from);
  if (to == nullptr || from == nullptr) return;
  const std::size_t bytes = m.text.size();
  if (to->queued >= cfg_.offline_messages || from->sent_queued >= cfg_.sender_messages ||
      total_queued_bytes_ + bytes > cfg_.store_bytes || store_busy()) {
    spdlog::warn("message from {} to {} dropped: {} left its node and the offline queue is full",
                 m.from, m.to, m.to);
    return;
  }
  ++to->queued;
  ++to->storing;
  ++from->sent_queued;
  total_queued_bytes_ += bytes;
  write(store::enqueue_message{m.to, m.from, m.sent_at, m.text},
        uncount_enqueue{m.to, m.from, bytes});
}

void hub_state::on_remote(const cluster::direct_message& m, moment) {
  account* to = find_account(m.to);
  if (to == nullptr) return;
  if (to->online) {
    conn_state& target = connections_.at(*to->online);
    const auto time = protocol::format_time(from_wall(m.sent_at));
    if (send(target, make_line(protocol::format_msg(time, m.from, m.text)))) return;
  }
  queue_from_cluster(m);  // left (or moved) meanwhile: it waits for the next login
}

// A user's logins and logouts on other nodes. A logout counts only from the node the view
// has them on, so a late notice from a node they left never hides them where they are now.
void hub_state::on_remote(const cluster::presence& p, moment now) {
  if (p.node == cluster_->node) return;  // our own, heard back
  account* acc = find_account(p.user);
  if (acc == nullptr || acc->online) return;
  if (p.online) {
    const bool known = acc->remote_node == p.node;
    acc->remote_node = p.node;
    acc->remote_port = p.private_port;
    if (!known) announce(p.user, protocol::presence_change::logged_in, now);
  } else if (acc->remote_node == p.node) {
    acc->remote_node.clear();
    acc->remote_port = 0;
    acc->offers.clear();
    acc->last_seen = from_wall(p.at);
    announce(p.user, protocol::presence_change::logged_out, now);
  }
}

void hub_state::on_remote(const cluster::broadcast& b, moment) {
  if (b.node == cluster_->node) return;
  const auto line = make_line(
      protocol::format_broadcast(protocol::format_time(from_wall(b.sent_at)), b.from, b.text));
  for (auto& [id, other] : connections_) {
    if (other.user.empty() || other.closing) continue;
    if (!accounts_.at(other.user).blocked.contains(b.from)) send(other, line);
  }
}

void hub_state::on_remote(const cluster::block_change& b, moment) {
  account* acc = find_account(b.user);
  if (acc == nullptr || find_account(b.other) == nullptr) return;
  if (b.blocked) {
    acc->blocked.insert(b.other);
  } else {
    acc->blocked.erase(b.other);
  }
}

void hub_state::on_remote(const cluster::private_port& p, moment) {
  account* acc = find_account(p.user);
  if (acc != nullptr && !acc->online) acc->remote_port = p.port;
}

// An asker on another node: the offer is kept here too, where the invitee accepts it.
void hub_state::on_remote(const cluster::private_offer& o, moment now) {
  account* asker = find_account(o.from);
  account* invitee = find_account(o.to);
  if (asker == nullptr || invitee == nullptr || !invitee->online) return;
  auto& offers = asker->offers;
  if (offers.size() >= cfg_.private_offers) offers.erase(offers.begin());
  offers.push_back(private_offer{o.to, o.token, now.mono + cfg_.private_offer_lifetime});
  send(connections_.at(*invitee->online),
       make_line(protocol::format_private_offer(time_text(now), o.from, o.token)));
}

void hub_state::on_remote(const cluster::private_ready& r, moment now) {
  account* asker = find_account(r.to);
  if (asker == nullptr || !asker->online) return;
  std::erase_if(asker->offers, [&](const private_offer& o) { return o.token == r.token; });
  send(connections_.at(*asker->online), make_line(protocol::format_private_ready(
                                            time_text(now), r.from, r.address, r.port, r.token)));
}

// Messages for a user here were stored after their login read the queue: read it again. The
// live lines that follow wait behind the read (a held line of its batch), so they cannot
// overtake the stored ones; ids already sent are skipped (deliver_page).
void hub_state::on_remote(const cluster::queued& q, moment) {
  account* acc = find_account(q.user);
  if (acc == nullptr || !acc->online) return;
  conn_state* c = find_connection(*acc->online);
  if (c == nullptr || c->closing) return;
  const auto barrier = make_line(std::string{});
  reply_when_committed(*c, barrier, barrier);
  request_page(*c);
}

void hub_state::view(const std::vector<std::pair<std::string, std::string>>& online_at,
                     const std::vector<std::pair<std::string, std::uint16_t>>& ports) {
  for (auto& [name, acc] : accounts_) {
    acc.remote_node.clear();
    acc.remote_port = 0;
  }
  for (const auto& [user, node] : online_at) {
    account* acc = find_account(user);
    if (acc != nullptr && !acc->online && node != cluster_->node) acc->remote_node = node;
  }
  for (const auto& [user, port] : ports) {
    account* acc = find_account(user);
    if (acc != nullptr && !acc->remote_node.empty()) acc->remote_port = port;
  }
}

void hub_state::fence(moment now) {
  std::size_t dropped = 0;
  const protocol::error lost{errc::cluster_unavailable,
                             "this server lost contact with the cluster, so you are logged out; "
                             "log in again shortly"};
  const auto line = make_line(protocol::format_error(lost));
  for (auto& [id, c] : connections_) {
    if (c.user.empty() || c.closing) continue;
    send(c, line);
    end_session(c, "this node lost its lease", now);  // not protocol: the log's reason
    close_gracefully(c);
    ++dropped;
  }
  if (dropped > 0) spdlog::warn("lost the node's lease: {} users logged out", dropped);
  finish_turn(now);
}

void hub_state::reaped(const std::vector<std::string>& users, moment now) {
  for (const auto& user : users)
    write(store::record_logout{user, wall(now)});
  finish_turn(now);
}

}  // namespace msgapp::server
