// The state behind private sessions: which session the user sees for each peer, and the rules
// for a session starting, being replaced, ending, and for no new ones being taken.
#include "p2p_state.hpp"

#include <algorithm>

#include "msgapp/protocol/p2p_wire.hpp"

namespace msgapp::client {

namespace wire = protocol::p2p;  // the private-session protocol

void close_quietly(tls::stream& stream) {
  std::error_code ignored;
  stream.socket().close(ignored);
}

void say_bye(const link_ptr& link) {
  if (std::exchange(link->stopping, true)) return;
  if (!link->outbox.try_send(std::error_code{}, std::string(wire::bye))) {
    close_quietly(link->stream());
  }
}

private_sessions::impl::impl(net::any_io_executor executor, std::string my_name,
                             event_handler handler, p2p_config c)
    : ex(executor),
      me(std::move(my_name)),
      on_event(std::move(handler)),
      cfg(c),
      tokens(c.max_tokens, c.max_offers_per_peer, c.offer_lifetime),
      requests(c.max_requests, c.offer_lifetime),
      acceptor(executor),
      changed(executor, net::steady_timer::time_point::max()) {}

void private_sessions::impl::emit(const p2p_event& e) {
  if (on_event) on_event(e);
}

void private_sessions::impl::emit_ended(const std::string& peer, end_reason why) {
  p2p_event e;
  e.what = p2p_event::kind::ended;
  e.peer = peer;
  e.end = why;
  emit(e);
}

bool private_sessions::impl::is_current(const link_ptr& link) const {
  const auto it = sessions.find(link->peer);
  return it != sessions.end() && it->second == link;
}

void private_sessions::impl::adopt(const link_ptr& link) {
  live.insert(link);
  if (const auto it = sessions.find(link->peer); it != sessions.end()) {
    // Two sessions with one peer. A new one from the same asker replaces the old (which went
    // stale unnoticed); of two crossing requests, both ends keep the one the smaller name
    // asked for, so they agree without talking.
    const link_ptr old = it->second;
    const bool keep_old = old->asker != link->asker && old->asker == std::min(me, link->peer);
    say_bye(keep_old ? link : old);
    if (keep_old) return;
  }
  sessions[link->peer] = link;
  p2p_event e;
  e.what = p2p_event::kind::started;
  e.peer = link->peer;
  e.encrypted = cfg.encrypted;
  emit(e);
}

void private_sessions::impl::refuse_caller(const net::ip::address& from, std::string why) {
  const auto now = std::chrono::steady_clock::now();
  if (const auto it = noticed.find(from); it != noticed.end()) {
    if (now - it->second < cfg.refusal_notice_interval) return;
    it->second = now;
  } else {
    std::erase_if(noticed, [&](const auto& told) {
      return now - told.second >= cfg.refusal_notice_interval;
    });
    if (noticed.size() >= cfg.max_noticed_addresses) return;  // many addresses: told enough
    noticed.emplace(from, now);
  }
  p2p_event e;
  e.what = p2p_event::kind::caller_refused;
  e.address = from.to_string();
  e.text = std::move(why);
  emit(e);
}

void private_sessions::impl::release(const link_ptr& link, end_reason why) {
  live.erase(link);
  if (is_current(link)) {
    sessions.erase(link->peer);
    emit_ended(link->peer, why);
  }
  changed.cancel();  // wakes wait_until_none() and close()
}

void private_sessions::impl::stop_listening() {
  closed = true;
  std::error_code ignored;
  acceptor.close(ignored);
  tokens.clear();
  for (const auto& c : connecting)
    close_quietly(c->stream);
}

}  // namespace msgapp::client
