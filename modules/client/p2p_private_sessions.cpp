// private_sessions, the class: what msgclient (and the tests) call. The work is done by the
// coroutines in p2p_sessions.cpp on the state in p2p_state.cpp.
#include <fmt/format.h>

#include "msgapp/protocol/command.hpp"
#include "msgapp/protocol/p2p_wire.hpp"
#include "msgapp/protocol/text_rules.hpp"
#include "msgapp/tls/private_psk.hpp"
#include "p2p_state.hpp"

namespace msgapp::client {

namespace wire = protocol::p2p;  // the private-session protocol
namespace {

p2p_error no_session(std::string_view peer) {
  if (peer.empty()) return {p2p_errc::no_session, "you have no private session"};
  return {p2p_errc::no_session, fmt::format("you have no private session with {}", peer)};
}

}  // namespace

private_sessions::private_sessions(net::any_io_executor ex, std::string me, event_handler on_event,
                                   p2p_config cfg)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(me), std::move(on_event), cfg)) {
  if (!cfg.encrypted) return;
  impl_->caller_tls = tls::psk_caller_context();
  // The listener's context belongs to the state it looks in: a weak pointer, not a cycle.
  const std::weak_ptr<impl> state = impl_;
  impl_->listener_tls =
      tls::psk_listener_context([state](std::string_view identity) -> std::optional<std::string> {
        const auto self = state.lock();
        if (!self) return std::nullopt;
        const auto derived_from = [identity](std::string_view token) {
          return tls::derive_psk(token).identity == identity;
        };
        return self->tokens.find(derived_from, p2p::token_book::clock::now());
      });
}

private_sessions::~private_sessions() {
  // Background coroutines may outlive this object; they must not call back into its owner.
  impl_->on_event = nullptr;
  impl_->stop_listening();
  for (const auto& link : impl_->live)
    close_quietly(link->stream());
  impl_->sessions.clear();
}

result<std::uint16_t> private_sessions::listen(net::ip::address address) {
  std::error_code ec;
  const tcp::endpoint any_port(address, 0);
  impl_->acceptor.open(any_port.protocol(), ec);
  if (!ec) impl_->acceptor.bind(any_port, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  const auto bound = ec ? tcp::endpoint{} : impl_->acceptor.local_endpoint(ec);
  if (ec) {
    std::error_code ignored;
    impl_->acceptor.close(ignored);
    return tl::unexpected(ec);
  }
  net::co_spawn(impl_->ex, accept_callers(impl_), log_and_contain{"the private-session listener"});
  return bound.port();
}

std::optional<std::string> private_sessions::accept_offer(
    const protocol::private_offer_event& offer) {
  const std::string& token = offer.token;
  const protocol::limits wire;
  const bool well_formed = protocol::is_valid_name(offer.from, wire) && !token.empty() &&
                           token.size() <= wire.max_token && token.find(' ') == std::string::npos;
  if (!well_formed || offer.from == impl_->me || impl_->closed ||
      impl_->sessions.size() >= impl_->cfg.max_sessions) {
    return std::nullopt;
  }
  impl_->tokens.expect(offer.from, token, p2p::token_book::clock::now());
  auto line = protocol::format(protocol::privateaccept_cmd{offer.from, token});
  line.pop_back();  // the caller sends it as a line: without its '\n'
  return line;
}

std::optional<std::string> private_sessions::accept_offer(const protocol::server_line& offer) {
  const auto e = protocol::to_event(offer);
  const auto* typed = e ? std::get_if<protocol::private_offer_event>(&*e) : nullptr;
  if (typed == nullptr) return std::nullopt;
  return accept_offer(*typed);
}

void private_sessions::expect_ready(std::string_view peer) {
  impl_->requests.ask(std::string(peer), p2p::request_book::clock::now());
}

void private_sessions::forget_ready(std::string_view peer) {
  impl_->requests.withdraw(peer);
}

void private_sessions::connect(const protocol::server_line& ready) {
  const auto e = protocol::to_event(ready);
  const auto* typed = e ? std::get_if<protocol::private_ready_event>(&*e) : nullptr;
  if (typed != nullptr) return connect(*typed);
  protocol::private_ready_event unusable;  // connect() reports it as an address that fails
  unusable.from = ready.from;
  connect(unusable);
}

void private_sessions::connect(const protocol::private_ready_event& ready) {
  if (impl_->closed) return;
  // Only where we asked to go: otherwise a server (or anyone on a plain path to it) could
  // send this client to any host and port, with the user's name in the hello.
  if (!impl_->requests.take(ready.from, p2p::request_book::clock::now())) {
    p2p_event e;
    e.what = p2p_event::kind::unasked;
    e.peer = ready.from;
    impl_->emit(e);
    return;
  }
  std::error_code ec;
  const auto host = net::ip::make_address(ready.host, ec);
  const auto port = ready.port;
  const auto& token = ready.token;
  std::string failure;
  if (ec || port == 0 || token.empty()) {
    failure = "the server sent an address that does not work";
  } else if (impl_->connecting.size() >= impl_->cfg.max_handshakes) {
    failure = "too many private sessions are being set up; try again";
  }
  if (!failure.empty()) {
    p2p_event e;
    e.what = p2p_event::kind::failed;
    e.peer = ready.from;
    e.text = failure;
    impl_->emit(e);
    return;
  }
  tcp::socket socket(impl_->ex);
  auto conn = impl_->caller_tls ? std::make_shared<peer_conn>(std::move(socket), impl_->caller_tls)
                                : std::make_shared<peer_conn>(std::move(socket));
  impl_->connecting.insert(conn);
  net::co_spawn(impl_->ex,
                call_peer(impl_, std::move(conn), ready.from, tcp::endpoint(host, port), token),
                log_and_contain{"a private call"});
}

tl::expected<void, p2p_error> private_sessions::send(std::string_view peer, std::string_view text) {
  const auto it = impl_->sessions.find(peer);
  if (it == impl_->sessions.end()) return tl::unexpected(no_session(peer));
  if (text.empty()) return tl::unexpected(p2p_error{p2p_errc::bad_text, "nothing to send"});
  if (text.size() > impl_->cfg.max_text) {
    return tl::unexpected(p2p_error{
        p2p_errc::text_too_long,
        fmt::format("the text is {} bytes; the limit is {}", text.size(), impl_->cfg.max_text)});
  }
  if (auto valid = protocol::check_line(text); !valid) {
    return tl::unexpected(p2p_error{p2p_errc::bad_text, valid.error().text});
  }
  if (!it->second->outbox.try_send(std::error_code{}, wire::format_message(text))) {
    return tl::unexpected(p2p_error{p2p_errc::too_busy,
                                    fmt::format("{}'s client is not keeping up; not sent", peer)});
  }
  return {};
}

tl::expected<std::string, p2p_error> private_sessions::stop(std::string_view peer) {
  auto& sessions = impl_->sessions;
  auto it = sessions.find(peer);
  if (peer.empty() && sessions.size() == 1) it = sessions.begin();
  if (peer.empty() && sessions.size() > 1) {
    std::string names;
    for (const auto& [name, link] : sessions)
      names += (names.empty() ? "" : ", ") + name;
    return tl::unexpected(
        p2p_error{p2p_errc::which_session,
                  fmt::format("you have private sessions with {}: say which one to stop", names)});
  }
  if (it == sessions.end()) return tl::unexpected(no_session(peer));
  const link_ptr link = it->second;
  sessions.erase(it);
  say_bye(link);
  impl_->emit_ended(link->peer, end_reason::you_stopped);
  impl_->changed.cancel();
  return link->peer;
}

bool private_sessions::has(std::string_view peer) const {
  return impl_->sessions.find(peer) != impl_->sessions.end();
}

std::vector<std::string> private_sessions::peers() const {
  std::vector<std::string> names;
  for (const auto& [name, link] : impl_->sessions)
    names.push_back(name);
  return names;
}

awaitable<void> private_sessions::wait_until_none() {
  return wait_none(impl_);
}

awaitable<void> private_sessions::close(milliseconds grace) {
  return close_all(impl_, grace);
}

}  // namespace msgapp::client
