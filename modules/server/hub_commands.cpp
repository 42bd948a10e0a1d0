// hub_state: what each logged-in command does. One function per command, each ending in
// exactly one reply to the asker.
#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "msgapp/protocol/reply.hpp"
#include "msgapp/protocol/server_line.hpp"
#include "msgapp/server/hub_state.hpp"

namespace msgapp::server {

using protocol::errc;

std::size_t hub_state::command(conn_id id, parsed_command cmd, moment now) {
  conn_state* c = find_connection(id);
  if (c == nullptr || c->closing) return 1;  // already told to go; late lines are ignored
  // Sessions send commands only once logged in, and a connection whose login ends is closing,
  // so c->user is set here.
  c->last_active = now.mono;
  c->idle_warned = false;
  if (cmd) {
    std::visit([&](const auto& v) { on(*c, v, now); }, *cmd);
  } else {
    reply_error(*c, cmd.error().code, std::move(cmd.error().text));
  }
  finish_turn(now);
  const auto per_token = cfg_.broadcast_recipients_per_token;
  return 1 + (per_token == 0 ? 0 : std::exchange(reached_, 0) / per_token);
}

void hub_state::cut_off_flooding(conn_id id, moment now) {
  conn_state* c = find_connection(id);
  if (c == nullptr || c->closing) return;
  const auto ms = cfg_.flood_cutoff.count();
  const auto held = ms % 1000 == 0 ? fmt::format("{} s", ms / 1000) : fmt::format("{} ms", ms);
  reply_error(*c, errc::flooding,
              fmt::format("more commands than the server takes, for {} without a break; "
                          "disconnected",
                          held));
  spdlog::warn("cutting off connection {} ({}): flooding", id, c->user);
  end_session(*c, "cut off: flooding", now);  // not protocol: the log's reason
  close_gracefully(*c);
  finish_turn(now);
}

void hub_state::on(conn_state& c, const protocol::login_cmd&, moment) {
  reply_error(c, errc::already_logged_in, fmt::format("you are already logged in as {}", c.user));
}

void hub_state::on(conn_state& c, const protocol::message_cmd& cmd, moment now) {
  account* to = other_user(c, cmd.to, "message");  // not protocol: "you cannot message..."
  if (to == nullptr) return;
  if (to->blocked.contains(c.user)) {
    return reply_error(c, errc::blocked,
                       fmt::format("{} has blocked you; the message was not delivered", cmd.to));
  }
  const auto& time = time_text(now);
  if (to->online) {
    conn_state& target = connections_.at(*to->online);
    auto line = protocol::format_msg(time, c.user, cmd.text);
    if (send(target, make_line(std::move(line)))) {
      // The hottest reply of all: made once per recipient and shared by every sender.
      if (!to->delivered_reply) {
        to->delivered_reply = make_line(protocol::format(protocol::delivered_reply{cmd.to}));
      }
      send(c, to->delivered_reply);
      return;
    }
    // The recipient stopped reading and is being cut off: keep the message for next time.
  } else if (!to->remote_node.empty() && to->storing == 0 && to->poking == 0) {
    // Online on another node: handed to that node, which delivers it (or queues it, if the
    // user has just left). Should nobody hear it there, it is queued here (undelivered()).
    if (!cluster_ready()) return reply_cluster_unavailable(c, "the message was not delivered");
    cluster_->to_node(to->remote_node,
                      cluster::direct_message{c.user, cmd.to, wall(now), cmd.text});
    if (!to->delivered_reply) {
      to->delivered_reply = make_line(protocol::format(protocol::delivered_reply{cmd.to}));
    }
    send(c, to->delivered_reply);
    return;
  }
  // Into the store. Each quota refuses the new message and touches nothing already stored.
  account& from = accounts_.at(c.user);
  const std::size_t bytes = cmd.text.size();
  if (to->queued >= cfg_.offline_messages) {
    return reply_error(c, errc::queue_full,
                       fmt::format("{} is offline and their message queue is full ({} messages); "
                                   "the message was not queued",
                                   cmd.to, cfg_.offline_messages));
  }
  if (from.sent_queued >= cfg_.sender_messages) {
    return reply_error(c, errc::quota,
                       fmt::format("you have {} messages waiting for users who are offline, the "
                                   "most allowed; the message was not queued",
                                   from.sent_queued));
  }
  if (total_queued_bytes_ + bytes > cfg_.store_bytes || store_busy()) {
    return reply_error(c, errc::quota,
                       "the server cannot store more offline messages now; the message was not "
                       "queued");
  }
  ++to->queued;
  ++to->storing;
  ++from.sent_queued;
  total_queued_bytes_ += bytes;
  write(store::enqueue_message{cmd.to, c.user, wall(now), cmd.text},
        uncount_enqueue{cmd.to, c.user, bytes});
  reply_when_committed(c, protocol::queued_reply{cmd.to});
}

void hub_state::on(conn_state& c, const protocol::broadcast_cmd& cmd, moment now) {
  // Formatted once; every recipient's outbox holds the same immutable line.
  const auto line = make_line(protocol::format_broadcast(time_text(now), c.user, cmd.text));
  std::size_t sent = 0;
  std::size_t skipped = 0;
  for (auto& [id, other] : connections_) {
    if (other.user.empty() || other.closing || other.id == c.id) continue;
    if (accounts_.at(other.user).blocked.contains(c.user)) {
      ++skipped;
    } else if (send(other, line)) {
      ++sent;
    }
  }
  if (cluster_ready()) {
    // Users on other nodes get it from their node; counted here from the view, by the same rule.
    cluster_->to_all(cluster::broadcast{c.user, cluster_->node, wall(now), cmd.text});
    for (const auto& [name, acc] : accounts_) {
      if (acc.remote_node.empty()) continue;
      if (acc.blocked.contains(c.user)) {
        ++skipped;
      } else {
        ++sent;
      }
    }
  }
  reached_ = sent;
  reply_ok(c, protocol::broadcast_reply{sent, skipped > 0});
}

// A long list goes as continuation lines ahead of its reply, each within the line limit; all
// in this turn, so no other line comes between them.
void hub_state::reply_users(conn_state& c, std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  const protocol::users_reply reply{std::move(names)};
  for (auto& line : protocol::format_lines(reply, cfg_.limits.max_line)) {
    if (!send(c, make_line(std::move(line)))) return;  // cut off at the end of the turn
  }
}

void hub_state::on(conn_state& c, const protocol::whoelse_cmd&, moment) {
  std::vector<std::string> names;
  for (const auto& [name, acc] : accounts_) {
    const bool online = acc.online || !acc.remote_node.empty();
    if (online && name != c.user && !acc.blocked.contains(c.user)) names.push_back(name);
  }
  reply_users(c, std::move(names));
}

void hub_state::on(conn_state& c, const protocol::whoelsesince_cmd& cmd, moment now) {
  // Past about a century every window means "ever"; clamping keeps the arithmetic in range.
  constexpr std::uint64_t century = 100ULL * 365 * 24 * 3600;
  const auto window = std::chrono::seconds(std::min(cmd.seconds, century));
  std::vector<std::string> names;
  for (const auto& [name, acc] : accounts_) {
    if (name == c.user || acc.blocked.contains(c.user)) continue;
    const bool recent = acc.last_seen && now.wall - *acc.last_seen <= window;
    if (acc.online || !acc.remote_node.empty() || recent) names.push_back(name);
  }
  reply_users(c, std::move(names));
}

// Block lists change in memory at once (the next command sees them) and in the store; the
// reply waits for the commit, and a failed commit puts the list back.
void hub_state::on(conn_state& c, const protocol::block_cmd& cmd, moment) {
  if (other_user(c, cmd.user, "block") == nullptr) return;  // not protocol: prose
  if (store_busy()) return reply_error(c, errc::not_saved, "the server is busy; try again");
  if (!accounts_.at(c.user).blocked.insert(cmd.user).second) {
    return reply_error(c, errc::already_blocked, fmt::format("{} is already blocked", cmd.user));
  }
  spdlog::info("{} blocked {}", c.user, cmd.user);
  write(store::set_blocked{c.user, cmd.user, true}, undo_block{c.user, cmd.user, true});
  if (cluster_) cluster_->to_all(cluster::block_change{c.user, cmd.user, true});
  reply_when_committed(c, protocol::blocked_reply{cmd.user});
}

void hub_state::on(conn_state& c, const protocol::unblock_cmd& cmd, moment) {
  if (other_user(c, cmd.user, "unblock") == nullptr) return;  // not protocol: prose
  if (store_busy()) return reply_error(c, errc::not_saved, "the server is busy; try again");
  if (accounts_.at(c.user).blocked.erase(cmd.user) == 0) {
    return reply_error(c, errc::not_blocked, fmt::format("{} is not blocked", cmd.user));
  }
  spdlog::info("{} unblocked {}", c.user, cmd.user);
  write(store::set_blocked{c.user, cmd.user, false}, undo_block{c.user, cmd.user, false});
  if (cluster_) cluster_->to_all(cluster::block_change{c.user, cmd.user, false});
  reply_when_committed(c, protocol::unblocked_reply{cmd.user});
}

void hub_state::on(conn_state& c, const protocol::blocks_cmd&, moment) {
  const auto& blocked = accounts_.at(c.user).blocked;
  reply_users(c, std::vector<std::string>(blocked.begin(), blocked.end()));
}

void hub_state::on(conn_state& c, const protocol::logout_cmd&, moment now) {
  reply_ok(c, protocol::goodbye_reply{c.user});
  end_session(c, "logged out", now);  // not protocol: the log's reason
  close_gracefully(c);
}

void hub_state::on(conn_state& c, const protocol::active_cmd&, moment) {
  reply_ok(c, protocol::active_reply{});  // a keep-alive: command() has already bumped last_active
}

void hub_state::on(conn_state& c, const protocol::receipts_cmd&, moment) {
  reply_error(c, errc::usage, "usage: receipts (before login)");
}

// The client has shown every stored message up to cmd.id: delete them (only those this
// session was sent, whatever id the client names), and say so once that is committed.
void hub_state::on(conn_state& c, const protocol::confirm_cmd& cmd, moment) {
  const auto up_to = std::min<store::message_id>(
      c.delivered_up_to, static_cast<store::message_id>(std::min<std::uint64_t>(
                             cmd.id, std::numeric_limits<store::message_id>::max())));
  if (up_to <= 0) return reply_ok(c, protocol::confirmed_reply{cmd.id});
  if (store_busy()) return reply_error(c, errc::not_saved, "the server is busy; try again");
  write(store::delete_messages{c.user, up_to}, uncount_deleted{c.user});
  reply_when_committed(c, protocol::confirmed_reply{cmd.id});
}

}  // namespace msgapp::server
