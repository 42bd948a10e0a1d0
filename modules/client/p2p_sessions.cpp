// The coroutines of private sessions: the listener, both handshakes (TLS first when
// encrypted), and one reader and one writer per session.
#include <array>
#include <optional>

#include <fmt/format.h>

#include <msgapp/net/sleep.hpp>

#include "msgapp/protocol/line_framer.hpp"
#include "msgapp/protocol/p2p_wire.hpp"
#include "msgapp/protocol/text_rules.hpp"
#include "msgapp/tls/private_psk.hpp"
#include "p2p_state.hpp"

namespace msgapp::client {

namespace wire = protocol::p2p;  // the private-session protocol

using namespace net::experimental::awaitable_operators;

namespace {

// The next line from a peer. The framer skips the tail of an over-long line and reports it.
struct peer_read {
  std::error_code ec;
  std::string text;
  bool too_long = false;
};

awaitable<peer_read> next_line(tls::stream& stream, protocol::line_framer& framer) {
  std::array<char, 4096> chunk;
  for (;;) {
    if (auto line = framer.next()) {
      peer_read got;
      got.text = std::string(line->text);
      got.too_long = line->too_long;
      co_return got;
    }
    auto [ec, n] = co_await stream.async_read_some(net::buffer(chunk), use_nothrow);
    if (ec) {
      peer_read failed;
      failed.ec = ec;
      co_return failed;
    }
    framer.feed(std::string_view(chunk.data(), n));
  }
}

// Keeps a handshake's connection where close() can reach it, for as long as the handshake lasts.
class handshake_scope {
 public:
  handshake_scope(impl_ptr self, conn_ptr conn) : self_(std::move(self)), conn_(std::move(conn)) {
    self_->connecting.insert(conn_);
  }
  ~handshake_scope() { self_->connecting.erase(conn_); }
  handshake_scope(const handshake_scope&) = delete;
  handshake_scope& operator=(const handshake_scope&) = delete;

 private:
  impl_ptr self_;
  conn_ptr conn_;
};

awaitable<end_reason> read_peer(impl_ptr self, link_ptr link, protocol::line_framer framer) {
  for (;;) {
    const peer_read got = co_await next_line(link->stream(), framer);
    if (got.ec) co_return link->stopping ? end_reason::you_stopped : end_reason::connection_lost;
    // Lines no client sends (too long, not UTF-8, control bytes) are skipped, not shown.
    if (got.too_long || !protocol::check_line(got.text)) continue;
    const auto line = wire::parse_peer_line(got.text);
    if (line.what == wire::peer_line::kind::bye) {
      co_return link->stopping ? end_reason::you_stopped : end_reason::peer_stopped;
    }
    if (line.what == wire::peer_line::kind::message && self->is_current(link)) {
      p2p_event e;
      e.what = p2p_event::kind::message;
      e.peer = link->peer;
      e.text = line.text;
      self->emit(e);
    }
  }
}

// The only coroutine that writes to the peer. After `bye` it half-closes and gives the peer
// a moment to close its end, so the reader sees the session end cleanly.
awaitable<end_reason> write_peer(impl_ptr self, link_ptr link) {
  for (;;) {
    auto [ec, line] = co_await link->outbox.async_receive(use_nothrow);
    if (ec) co_return end_reason::you_stopped;
    auto [wec, n] = co_await net::async_write(link->stream(), net::buffer(line), use_nothrow);
    if (wec) co_return link->stopping ? end_reason::you_stopped : end_reason::connection_lost;
    if (line == wire::bye) {
      // Over TLS too a TCP half-close, not close_notify: `bye` itself, sealed like every
      // line, is what ends a session; a cut without it reads as a lost connection.
      std::error_code ignored;
      link->stream().socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_await sleep_for(self->cfg.bye_linger);
      co_return end_reason::you_stopped;
    }
  }
}

// One private session, from an established connection to its end.
awaitable<void> run_session(impl_ptr self, link_ptr link, protocol::line_framer framer) {
  if (self->closed) {  // the user left while this session was being set up
    close_quietly(link->stream());
    co_return;
  }
  self->adopt(link);
  const auto ended = co_await (read_peer(self, link, std::move(framer)) || write_peer(self, link));
  const end_reason why = ended.index() == 0 ? std::get<0>(ended) : std::get<1>(ended);
  close_quietly(link->stream());
  self->release(link, why);
}

// The caller's first line; when encrypted, also whether the TLS handshake came first.
struct heard_hello {
  peer_read line;
  bool sealed = false;  // encrypted, and the TLS handshake succeeded
};

awaitable<heard_hello> hear_hello(conn_ptr conn, protocol::line_framer& framer) {
  heard_hello heard;
  if (conn->stream.is_tls()) {
    heard.line.ec = co_await conn->stream.handshake(tls::ssl::stream_base::server);
    if (heard.line.ec) co_return heard;
    heard.sealed = true;
  }
  heard.line = co_await next_line(conn->stream, framer);
  co_return heard;
}

// Over TLS the hello must name the very token whose key the handshake proved.
bool proves_its_token(peer_conn& conn, const wire::hello& hello) {
  auto* sealed = conn.stream.tls();
  if (sealed == nullptr) return true;  // plain: the hello is all there is
  const auto proven = tls::proven_token(*sealed);
  return proven && *proven == hello.token;
}

// The listener side: a caller must present, within the time limit, a token we agreed to
// (and when encrypted, complete the TLS handshake with its key first). Returns the caller's
// name once it has been welcomed.
awaitable<std::optional<std::string>> screen_caller(impl_ptr self, conn_ptr conn,
                                                    protocol::line_framer& framer) {
  handshake_scope scope(self, conn);
  const auto got = co_await (hear_hello(conn, framer) || sleep_for(self->cfg.handshake_timeout));
  // A failed TLS handshake gets no answer: there is no channel to put one on.
  if (conn->stream.is_tls() && (got.index() != 0 || !std::get<0>(got).sealed)) {
    co_return std::nullopt;
  }
  std::optional<wire::hello> hello;
  if (got.index() == 0 && !std::get<0>(got).line.ec && !std::get<0>(got).line.too_long) {
    hello = wire::parse_hello(std::get<0>(got).line.text);
  }
  const bool welcome =
      hello && !self->closed && self->sessions.size() < self->cfg.max_sessions &&
      proves_its_token(*conn, *hello) &&
      self->tokens.redeem(hello->user, hello->token, p2p::token_book::clock::now());
  // A refusal is the same two words whatever was wrong: a caller learns nothing.
  const std::string answer = welcome ? wire::format_welcome(self->me) : std::string(wire::refusal);
  const auto wrote = co_await (net::async_write(conn->stream, net::buffer(answer), use_nothrow) ||
                               sleep_for(self->cfg.handshake_timeout));
  if (!welcome || wrote.index() != 0 || std::get<0>(std::get<0>(wrote))) co_return std::nullopt;
  co_return hello->user;
}

// Counts a caller against its address (counted at accept) until its screening is over.
class address_scope {
 public:
  address_scope(impl_ptr self, net::ip::address from) : self_(std::move(self)), from_(from) {}
  ~address_scope() {
    const auto it = self_->callers.find(from_);
    if (it != self_->callers.end() && --it->second == 0) self_->callers.erase(it);
  }
  address_scope(const address_scope&) = delete;
  address_scope& operator=(const address_scope&) = delete;

 private:
  impl_ptr self_;
  net::ip::address from_;
};

awaitable<std::optional<std::string>> screen_from(impl_ptr self, conn_ptr conn,
                                                  net::ip::address from,
                                                  protocol::line_framer& framer) {
  address_scope counted(self, from);
  co_return co_await screen_caller(self, std::move(conn), framer);
}

awaitable<void> greet_caller(impl_ptr self, conn_ptr conn, net::ip::address from) {
  protocol::line_framer framer(self->cfg.max_line);
  const auto caller = co_await screen_from(self, conn, from, framer);
  if (!caller) {
    close_quietly(conn->stream);
    co_return;
  }
  auto link =
      std::make_shared<peer_link>(std::move(conn), *caller, *caller, self->cfg.outbox_depth);
  co_await run_session(self, std::move(link), std::move(framer));
}

}  // namespace

awaitable<void> accept_callers(impl_ptr self) {
  for (;;) {
    auto [ec, socket] = co_await self->acceptor.async_accept(use_nothrow);
    if (self->closed || ec == net::error::operation_aborted) co_return;
    if (ec) {  // e.g. out of descriptors: the listener itself is fine, try again soon
      co_await sleep_for(milliseconds(100));
      continue;
    }
    std::error_code gone;
    const auto from = socket.remote_endpoint(gone).address();
    if (gone) continue;
    // Past a bound the connection is closed on the spot (`socket` goes), and the user told.
    if (self->connecting.size() >= self->cfg.max_handshakes) {
      self->refuse_caller(from, "too many private sessions are being set up at once");
      continue;
    }
    if (const auto it = self->callers.find(from);
        it != self->callers.end() && it->second >= self->cfg.max_handshakes_per_address) {
      self->refuse_caller(from, "too many connections from that address are being set up at once");
      continue;
    }
    auto caller = self->listener_tls
                      ? std::make_shared<peer_conn>(std::move(socket), self->listener_tls)
                      : std::make_shared<peer_conn>(std::move(socket));
    // Counted now, so a burst cannot overshoot the bounds.
    self->connecting.insert(caller);
    ++self->callers[from];
    net::co_spawn(self->ex, greet_caller(self, std::move(caller), from),
                  log_and_contain{"a private caller"});
  }
}

namespace {

// The caller side: connect, (when encrypted) the TLS handshake with the token's key, present
// the token, and expect the peer to answer with its name.
awaitable<tl::expected<void, std::string>> introduce(tls::stream& stream, tcp::endpoint where,
                                                     std::string token, std::string hello,
                                                     std::string peer,
                                                     protocol::line_framer& framer) {
  auto [cec] = co_await stream.socket().async_connect(where, use_nothrow);
  if (cec) {
    co_return tl::unexpected(fmt::format("cannot reach {}'s client: {}", peer, cec.message()));
  }
  std::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  if (auto* sealed = stream.tls()) {
    tls::present_psk(*sealed, token);
    if (const auto hec = co_await stream.handshake(tls::ssl::stream_base::client)) {
      co_return tl::unexpected(fmt::format("the encrypted handshake with {}'s client failed: {}",
                                           peer, tls::describe(hec)));
    }
  }
  auto [wec, n] = co_await net::async_write(stream, net::buffer(hello), use_nothrow);
  if (wec) co_return tl::unexpected(fmt::format("{}'s client hung up", peer));
  const peer_read answer = co_await next_line(stream, framer);
  const auto name = answer.ec || answer.too_long ? std::nullopt : wire::parse_welcome(answer.text);
  if (!name || *name != peer) co_return tl::unexpected(fmt::format("{}'s client refused", peer));
  co_return tl::expected<void, std::string>{};
}

awaitable<tl::expected<void, std::string>> handshake(impl_ptr self, conn_ptr conn, std::string peer,
                                                     tcp::endpoint where, std::string token,
                                                     protocol::line_framer& framer) {
  handshake_scope scope(self, conn);
  std::string hello = wire::format_hello(self->me, token);
  auto answered =
      co_await (introduce(conn->stream, where, std::move(token), std::move(hello), peer, framer) ||
                sleep_for(self->cfg.handshake_timeout));
  if (answered.index() == 1)
    co_return tl::unexpected(fmt::format("no answer from {}'s client", peer));
  co_return std::move(std::get<0>(answered));
}

}  // namespace

awaitable<void> call_peer(impl_ptr self, conn_ptr conn, std::string peer, tcp::endpoint where,
                          std::string token) {
  protocol::line_framer framer(self->cfg.max_line);
  const auto done = co_await handshake(self, conn, peer, where, std::move(token), framer);
  if (!done) {
    close_quietly(conn->stream);
    p2p_event e;
    e.what = p2p_event::kind::failed;
    e.peer = peer;
    e.text = done.error();
    if (!self->closed) self->emit(e);
    co_return;
  }
  auto link = std::make_shared<peer_link>(std::move(conn), peer, self->me, self->cfg.outbox_depth);
  co_await run_session(self, std::move(link), std::move(framer));
}

awaitable<void> wait_none(impl_ptr self) {
  while (!self->sessions.empty())
    co_await self->changed.async_wait(use_nothrow);
}

namespace {

awaitable<void> wait_all_closed(impl_ptr self) {
  while (!self->live.empty())
    co_await self->changed.async_wait(use_nothrow);
}

}  // namespace

awaitable<void> close_all(impl_ptr self, milliseconds grace) {
  self->stop_listening();
  const auto open = self->sessions;
  self->sessions.clear();
  for (const auto& [peer, link] : open) {
    say_bye(link);
    self->emit_ended(peer, end_reason::you_stopped);
  }
  const auto waited = co_await (wait_all_closed(self) || sleep_for(grace));
  if (waited.index() == 1) {  // some peer did not close in time: cut it off
    for (const auto& link : self->live)
      close_quietly(link->stream());
    co_await wait_all_closed(self);
  }
}

}  // namespace msgapp::client
