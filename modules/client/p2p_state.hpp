// Internal to private sessions: the state their coroutines share, and the rules that change it.
// One thread runs everything, so nothing here needs a lock.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <msgapp/net/contain.hpp>
#include <msgapp/tls/stream.hpp>

#include "msgapp/client/p2p.hpp"
#include "msgapp/client/p2p_requests.hpp"
#include "msgapp/client/p2p_tokens.hpp"

namespace msgapp::client {

using end_reason = p2p_event::end_reason;

// One private connection's bytes: plain TCP, or TLS keyed by the token (p2p_config::encrypted).
struct peer_conn {
  explicit peer_conn(tcp::socket s) : stream(std::move(s)) {}
  peer_conn(tcp::socket s, tls::context_ptr c) : ctx(std::move(c)), stream(std::move(s), *ctx) {}

  tls::context_ptr ctx;  // first: the stream uses it until the stream is gone
  tls::stream stream;
};
using conn_ptr = std::shared_ptr<peer_conn>;

// One session with one peer, shared by its reader and writer.
struct peer_link {
  peer_link(conn_ptr c, std::string peer_name, std::string asker_name, std::size_t depth)
      : conn(std::move(c)),
        peer(std::move(peer_name)),
        asker(std::move(asker_name)),
        outbox(conn->stream.get_executor(), depth) {}

  tls::stream& stream() { return conn->stream; }

  conn_ptr conn;
  std::string peer;
  std::string asker;  // who connected: decides which of two crossing sessions survives
  channel<std::string> outbox;
  bool stopping = false;  // we said (or are saying) bye: the session is over for the user
};
using link_ptr = std::shared_ptr<peer_link>;

void close_quietly(tls::stream& stream);

// Queues `bye`; the writer then half-closes. A peer too slow to take even that is cut off.
void say_bye(const link_ptr& link);

struct private_sessions::impl {
  impl(net::any_io_executor executor, std::string my_name, event_handler handler, p2p_config c);

  void emit(const p2p_event& e);
  void emit_ended(const std::string& peer, end_reason why);
  bool is_current(const link_ptr& link) const;
  // A session's connection is up: it becomes the session with that peer.
  void adopt(const link_ptr& link);
  // A session's coroutine is ending: tell the user, unless it was stopped or replaced before.
  void release(const link_ptr& link, end_reason why);
  // No new sessions: closes the listener and every handshake in progress.
  void stop_listening();
  // A caller from `from` was closed on the spot: tell the user (caller_refused), unless that
  // address was told about recently.
  void refuse_caller(const net::ip::address& from, std::string why);

  net::any_io_executor ex;
  std::string me;
  event_handler on_event;
  p2p_config cfg;
  p2p::token_book tokens;
  p2p::request_book requests;
  // Both set when cfg.encrypted (private_sessions' constructor). Before the sessions: they
  // must outlive every stream.
  tls::context_ptr caller_tls;
  tls::context_ptr listener_tls;
  tcp::acceptor acceptor;
  std::map<std::string, link_ptr, std::less<>> sessions;  // what the user sees, one per peer
  std::set<link_ptr> live;        // every running session, including ones saying bye
  std::set<conn_ptr> connecting;  // handshakes in progress (at most max_handshakes)
  std::map<net::ip::address, std::size_t> callers;  // of those, incoming ones per address
  std::map<net::ip::address, std::chrono::steady_clock::time_point> noticed;  // last told
  net::steady_timer changed;  // never expires; cancelled when a session ends
  bool closed = false;
};
using impl_ptr = std::shared_ptr<private_sessions::impl>;

// The coroutines (p2p_sessions.cpp). Each holds `self`, so the state outlives its owner.
awaitable<void> accept_callers(impl_ptr self);
// `conn` is already counted in self->connecting.
awaitable<void> call_peer(impl_ptr self, conn_ptr conn, std::string peer, tcp::endpoint where,
                          std::string token);
awaitable<void> wait_none(impl_ptr self);
awaitable<void> close_all(impl_ptr self, milliseconds grace);

}  // namespace msgapp::client
