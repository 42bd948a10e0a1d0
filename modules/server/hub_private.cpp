// hub_state: brokering private sessions. The server hands out one-time tokens and addresses;
// the sessions themselves run client to client and never pass through here.
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "msgapp/protocol/server_line.hpp"
#include "msgapp/server/hub_state.hpp"

namespace msgapp::server {

using protocol::errc;

namespace {

constexpr std::size_t max_offers_per_user = 16;
constexpr auto offer_lifetime = std::chrono::seconds(60);

// 128 bits from the OS's random source (getrandom on Linux), as 32 hex digits.
std::string new_token() {
  static std::random_device os_random;
  std::string token;
  for (int i = 0; i < 4; ++i)
    token += fmt::format("{:08x}", os_random());
  return token;
}

}  // namespace

void hub_state::on_privateport(connection& c, const protocol::privateport_cmd& cmd) {
  c.private_port = cmd.port;
  reply_ok(c, protocol::private_port_reply{cmd.port});
}

void hub_state::on_startprivate(connection& c, const protocol::startprivate_cmd& cmd, moment now) {
  account* peer_acc = other_user(c, cmd.user, "start a private session with");
  if (peer_acc == nullptr) return;
  if (!peer_acc->online) {
    return reply_error(c, errc::offline, fmt::format("{} is not online", cmd.user));
  }
  if (peer_acc->blocked.contains(c.user)) {
    return reply_error(c, errc::blocked, fmt::format("{} has blocked you", cmd.user));
  }
  connection& peer = connections_.at(*peer_acc->online);
  if (peer.private_port == 0) {
    return reply_error(c, errc::unavailable,
                       fmt::format("{}'s client does not take private sessions", cmd.user));
  }
  // The peer learns the token first; the asker gets the address only after the peer has
  // confirmed it (on_privateaccept), so the connection can never arrive before its token.
  auto& offers = accounts_.at(c.user).offers;
  if (offers.size() >= max_offers_per_user) offers.erase(offers.begin());
  const auto token = new_token();
  offers.push_back(private_offer{cmd.user, token, now.mono + offer_lifetime});
  send(peer, std::make_shared<const std::string>(
                 protocol::format_private_offer(time_text(now), c.user, token)));
  spdlog::info("{} asked {} for a private session", c.user, cmd.user);
  reply_ok(c, protocol::private_requested_reply{cmd.user});
}

void hub_state::on_privateaccept(connection& c, const protocol::privateaccept_cmd& cmd,
                                 moment now) {
  account* asker_acc = find_account(cmd.user);
  if (asker_acc == nullptr) return reply_unknown_user(c, cmd.user);
  auto& offers = asker_acc->offers;
  const auto it = std::find_if(offers.begin(), offers.end(), [&](const private_offer& o) {
    return o.token == cmd.token && o.peer == c.user && o.expires > now.mono;
  });
  if (it == offers.end()) {
    return reply_error(
        c, errc::no_offer,
        fmt::format("no open private-session offer from {} with that token", cmd.user));
  }
  offers.erase(it);
  if (!asker_acc->online) {
    return reply_error(c, errc::offline, fmt::format("{} is not online any more", cmd.user));
  }
  connection& asker = connections_.at(*asker_acc->online);
  send(asker, std::make_shared<const std::string>(protocol::format_private_ready(
                  time_text(now), c.user, c.address, c.private_port, cmd.token)));
  reply_ok(c, protocol::private_accepted_reply{cmd.user});
}

}  // namespace msgapp::server
