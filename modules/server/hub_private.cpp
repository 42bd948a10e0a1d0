// hub_state: brokering private sessions. The server hands out one-time tokens and addresses;
// the sessions themselves run client to client and never pass through here.
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "msgapp/protocol/server_line.hpp"
#include "msgapp/server/hub_state.hpp"

namespace msgapp::server {

using protocol::errc;

token_source random_tokens(std::size_t bits) {
  return [bits] {
    static std::random_device os_random;  // getrandom on Linux
    std::string token;
    for (std::size_t i = 0; i < bits / 32; ++i)
      token += fmt::format("{:08x}", os_random());
    return token;
  };
}

void hub_state::on(conn_state& c, const protocol::privateport_cmd& cmd, moment) {
  c.private_port = cmd.port;
  if (cluster_ && !c.user.empty()) cluster_->to_all(cluster::private_port{c.user, cmd.port});
  reply_ok(c, protocol::private_port_reply{cmd.port});
}

void hub_state::on(conn_state& c, const protocol::startprivate_cmd& cmd, moment now) {
  account* invitee_acc = other_user(c, cmd.user, "start a private session with");
  if (invitee_acc == nullptr) return;
  const bool remote = !invitee_acc->online && !invitee_acc->remote_node.empty();
  if (!invitee_acc->online && !remote) {
    return reply_error(c, errc::offline, fmt::format("{} is not online", cmd.user));
  }
  if (invitee_acc->blocked.contains(c.user)) {
    return reply_error(c, errc::blocked, fmt::format("{} has blocked you", cmd.user));
  }
  if (remote && !cluster_ready()) return reply_cluster_unavailable(c, "nothing was asked");
  conn_state* invitee = remote ? nullptr : &connections_.at(*invitee_acc->online);
  if ((remote ? invitee_acc->remote_port : invitee->private_port) == 0) {
    return reply_error(c, errc::unavailable,
                       fmt::format("{}'s client does not take private sessions", cmd.user));
  }
  // The invitee learns the token first; the asker gets the address only after the invitee
  // has confirmed it (privateaccept), so the connection can never arrive before its token.
  auto& offers = accounts_.at(c.user).offers;
  if (offers.size() >= cfg_.private_offers) offers.erase(offers.begin());
  const auto token = new_token_();
  offers.push_back(private_offer{cmd.user, token, now.mono + cfg_.private_offer_lifetime});
  if (remote) {
    cluster_->to_node(invitee_acc->remote_node, cluster::private_offer{c.user, cmd.user, token});
  } else {
    send(*invitee, make_line(protocol::format_private_offer(time_text(now), c.user, token)));
  }
  spdlog::info("{} asked {} for a private session", c.user, cmd.user);
  reply_ok(c, protocol::private_requested_reply{cmd.user});
}

void hub_state::on(conn_state& c, const protocol::privateaccept_cmd& cmd, moment now) {
  account* asker_acc = find_account(cmd.user);
  if (asker_acc == nullptr) return reply_unknown_user(c, cmd.user);
  auto& offers = asker_acc->offers;
  const auto it = std::find_if(offers.begin(), offers.end(), [&](const private_offer& o) {
    return o.token == cmd.token && o.to == c.user && o.expires > now.mono;
  });
  if (it == offers.end()) {
    return reply_error(
        c, errc::no_offer,
        fmt::format("no open private-session offer from {} with that token", cmd.user));
  }
  offers.erase(it);
  // Offers are dropped when their asker logs out (forget_login, or their node's logout
  // notice), so the asker is online, here or on another node.
  if (asker_acc->online) {
    conn_state& asker = connections_.at(*asker_acc->online);
    send(asker, make_line(protocol::format_private_ready(time_text(now), c.user, c.address,
                                                         c.private_port, cmd.token)));
  } else if (!asker_acc->remote_node.empty() && cluster_ready()) {
    cluster_->to_node(asker_acc->remote_node, cluster::private_ready{c.user, cmd.user, c.address,
                                                                     c.private_port, cmd.token});
  } else {
    return reply_cluster_unavailable(c, "the asker was not told");
  }
  reply_ok(c, protocol::private_accepted_reply{cmd.user});
}

}  // namespace msgapp::server
