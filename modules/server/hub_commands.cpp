// hub_state: what each logged-in command does. One function per command, each ending in
// exactly one reply to the asker.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "msgapp/protocol/server_line.hpp"
#include "msgapp/server/hub_state.hpp"

namespace msgapp::server {

using protocol::errc;

void hub_state::command(conn_id id, parsed_command cmd, moment now) {
  conn_state* c = find_connection(id);
  if (c == nullptr || c->closing) return;  // already told to go; late lines are ignored
  // Sessions send commands only once logged in, and a connection whose login ends is closing,
  // so c->user is set here.
  c->last_active = now.mono;
  if (cmd) {
    std::visit([&](const auto& v) { on(*c, v, now); }, *cmd);
  } else {
    reply_error(*c, cmd.error().code, std::move(cmd.error().text));
  }
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
    if (send(target, std::make_shared<const std::string>(std::move(line)))) {
      // The hottest reply of all: made once per recipient and shared by every sender.
      if (!to->delivered_reply) {
        to->delivered_reply = std::make_shared<const std::string>(
            protocol::format(protocol::delivered_reply{cmd.to}));
      }
      send(c, to->delivered_reply);
      return;
    }
    // The recipient stopped reading and is being cut off: keep the message for next time.
  }
  auto line = std::make_shared<const std::string>(protocol::format_offline(time, c.user, cmd.text));
  if (to->offline.size() >= cfg_.offline_messages ||
      to->offline_bytes + line->size() > cfg_.offline_bytes) {
    return reply_error(c, errc::queue_full,
                       fmt::format("{} is offline and their message queue is full; the message "
                                   "was not queued",
                                   cmd.to));
  }
  to->offline_bytes += line->size();
  to->offline.push_back(std::move(line));
  reply_ok(c, protocol::queued_reply{cmd.to});
}

void hub_state::on(conn_state& c, const protocol::broadcast_cmd& cmd, moment now) {
  // Formatted once; every recipient's outbox holds the same immutable line.
  const auto line = std::make_shared<const std::string>(
      protocol::format_broadcast(time_text(now), c.user, cmd.text));
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
  reply_ok(c, protocol::broadcast_reply{sent, skipped > 0});
}

namespace {
protocol::users_reply user_list(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return protocol::users_reply{std::move(names)};
}
}  // namespace

void hub_state::on(conn_state& c, const protocol::whoelse_cmd&, moment) {
  std::vector<std::string> names;
  for (const auto& [name, acc] : accounts_) {
    if (acc.online && name != c.user && !acc.blocked.contains(c.user)) names.push_back(name);
  }
  reply_ok(c, user_list(std::move(names)));
}

void hub_state::on(conn_state& c, const protocol::whoelsesince_cmd& cmd, moment now) {
  // Past about a century every window means "ever"; clamping keeps the arithmetic in range.
  constexpr std::uint64_t century = 100ULL * 365 * 24 * 3600;
  const auto window = std::chrono::seconds(std::min(cmd.seconds, century));
  std::vector<std::string> names;
  for (const auto& [name, acc] : accounts_) {
    if (name == c.user || acc.blocked.contains(c.user)) continue;
    const bool recent = acc.last_seen && now.mono - *acc.last_seen <= window;
    if (acc.online || recent) names.push_back(name);
  }
  reply_ok(c, user_list(std::move(names)));
}

void hub_state::on(conn_state& c, const protocol::block_cmd& cmd, moment) {
  if (other_user(c, cmd.user, "block") == nullptr) return;  // not protocol: prose
  if (!accounts_.at(c.user).blocked.insert(cmd.user).second) {
    return reply_error(c, errc::already_blocked, fmt::format("{} is already blocked", cmd.user));
  }
  spdlog::info("{} blocked {}", c.user, cmd.user);
  reply_ok(c, protocol::blocked_reply{cmd.user});
}

void hub_state::on(conn_state& c, const protocol::unblock_cmd& cmd, moment) {
  if (other_user(c, cmd.user, "unblock") == nullptr) return;  // not protocol: prose
  if (accounts_.at(c.user).blocked.erase(cmd.user) == 0) {
    return reply_error(c, errc::not_blocked, fmt::format("{} is not blocked", cmd.user));
  }
  spdlog::info("{} unblocked {}", c.user, cmd.user);
  reply_ok(c, protocol::unblocked_reply{cmd.user});
}

void hub_state::on(conn_state& c, const protocol::logout_cmd&, moment now) {
  reply_ok(c, protocol::goodbye_reply{c.user});
  end_session(c, "logged out", now);  // not protocol: the log's reason
  close_gracefully(c);
}

void hub_state::on(conn_state& c, const protocol::active_cmd&, moment) {
  reply_ok(c, protocol::active_reply{});  // a keep-alive: command() has already bumped last_active
}

}  // namespace msgapp::server
