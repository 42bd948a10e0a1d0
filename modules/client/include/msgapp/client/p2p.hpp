// Private sessions: chat that goes straight from one client to another once the server has
// introduced them (docs/protocol.md, "Private sessions"). Used by msgclient and the tests.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <msgapp/client/client.hpp>
#include <msgapp/net.hpp>
#include <msgapp/protocol/event.hpp>
#include <msgapp/protocol/limits.hpp>
#include <msgapp/protocol/server_line.hpp>

namespace msgapp::client {

using std::chrono::milliseconds;

// Something that happened to a private session; the owner shows it to the user.
struct p2p_event {
  enum class kind {
    started,  // the direct connection is up
    message,  // the peer wrote `text`
    ended,    // the session is over; `end` says why
    failed,   // the session could not be set up; `text` says why (for people)
    unasked,  // the server named an address to connect to that we never asked for: ignored
    // A connection from `address` was closed before it could say who it was, because of the
    // listener's bounds (p2p_config): someone's session could not be set up. `text` says why.
    caller_refused,
  };
  enum class end_reason { you_stopped, peer_stopped, connection_lost };

  kind what = kind::started;
  std::string peer;
  std::string text;
  end_reason end = end_reason::you_stopped;
  bool encrypted = false;  // started: the session runs over TLS 1.3 (p2p_config::encrypted)
  std::string address;     // caller_refused: where the connection came from
};

// Mistakes the user can make with private sessions; each is a value, with a sentence.
enum class p2p_errc { no_session, which_session, bad_text, text_too_long, too_busy };
struct p2p_error {
  p2p_errc code;
  std::string text;  // for people
};

// Every bound and time limit of the private-session side, named once.
struct p2p_config {
  std::size_t max_line = protocol::limits{}.max_line;  // bytes on the wire, with the '\n'
  std::size_t max_text = protocol::limits{}.max_text;  // bytes of one message
  std::size_t max_sessions = 32;    // open sessions; further offers are not accepted
  std::size_t max_handshakes = 16;  // connections being set up at once; more are closed
  // Of those, callers from one address: silent connections from one host cannot take every
  // slot. More are closed at once.
  std::size_t max_handshakes_per_address = 2;
  // caller_refused is told at most this often per address, for this many addresses at once,
  // so a flood of connections is not a flood of lines.
  milliseconds refusal_notice_interval{10'000};
  std::size_t max_noticed_addresses = 64;
  std::size_t max_tokens = 64;            // offers accepted and waiting for their caller
  std::size_t max_offers_per_peer = 4;    // of those, from one peer; its oldest goes first
  std::size_t max_requests = 32;          // our startprivates awaiting their private-ready
  std::size_t outbox_depth = 64;          // lines waiting to be written to one peer
  milliseconds handshake_timeout{5'000};  // connect + hello + answer
  milliseconds offer_lifetime = protocol::private_offer_lifetime;  // as the server keeps it
  milliseconds bye_linger{1'000};  // after `bye`, how long to wait for the peer to close
  // TLS 1.3 keyed by the server's token (docs/protocol.md, "Private sessions"): set when the
  // connection to the server is TLS. Both ends must agree; plain and TLS never meet.
  bool encrypted = false;
};

// All private sessions of one logged-in user, plus the listener that takes them.
// Everything runs on the executor's one thread. Background coroutines keep the internals
// alive, so destroying this object early is safe: it closes every socket first.
class private_sessions {
 public:
  // Called for every event, in order, from the executor's thread. It may call back into
  // this object (for example to stop another session).
  using event_handler = std::function<void(const p2p_event&)>;

  private_sessions(net::any_io_executor ex, std::string me, event_handler on_event,
                   p2p_config cfg = {});
  ~private_sessions();
  private_sessions(const private_sessions&) = delete;
  private_sessions& operator=(const private_sessions&) = delete;

  // Starts taking private sessions on `address` (the address the server was reached from) at
  // an ephemeral port, which is returned for `privateport <port>`.
  result<std::uint16_t> listen(net::ip::address address);

  // The server relayed `private-offer <time> <user> <token>`: one connection from that user
  // with that token is now welcome. Returns the `privateaccept` line for the server, or
  // nothing when the offer is malformed or there is no room for another session.
  std::optional<std::string> accept_offer(const protocol::private_offer_event& offer);
  std::optional<std::string> accept_offer(const protocol::server_line& offer);

  // The user is sending `startprivate <peer>`: one `private-ready` from that peer is now
  // expected, for as long as the server keeps the offer. Called before the line goes out, so
  // the ready can never arrive first.
  void expect_ready(std::string_view peer);
  // The server refused that `startprivate`: no ready is expected for it any more.
  void forget_ready(std::string_view peer);

  // The server relayed `private-ready <time> <user> <host> <port> <token>`: when it answers
  // a request of ours (expect_ready), connect to that user in the background; the outcome is
  // a `started` or `failed` event. Any other ready is ignored, with an `unasked` event.
  void connect(const protocol::private_ready_event& ready);
  void connect(const protocol::server_line& ready);

  // Sends one message to `peer` (the line goes out in the background).
  tl::expected<void, p2p_error> send(std::string_view peer, std::string_view text);
  // Ends the session with `peer` (the peer is told), or the only session when `peer` is empty.
  // Returns the peer's name; the `ended` event has been delivered when this returns.
  tl::expected<std::string, p2p_error> stop(std::string_view peer);

  bool has(std::string_view peer) const;
  std::vector<std::string> peers() const;  // sorted

  // Completes when no session is open (at once when none is).
  awaitable<void> wait_until_none();
  // Stops taking sessions, ends every session (each peer is told), and waits until their
  // connections are closed: at most `grace`, then whatever is left is cut off.
  awaitable<void> close(milliseconds grace);

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace msgapp::client
