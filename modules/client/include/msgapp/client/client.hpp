// An awaitable msgapp client: connect, log in, send commands and await their replies while
// events (messages, presence...) flow to the caller, concurrently, over one connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <msgapp/net.hpp>
#include <msgapp/protocol/command.hpp>
#include <msgapp/protocol/event.hpp>
#include <msgapp/protocol/limits.hpp>
#include <msgapp/protocol/server_line.hpp>
#include <msgapp/tls/context.hpp>

namespace msgapp::client {

using protocol::line_kind;
using protocol::server_line;
template <typename T>
using result = tl::expected<T, std::error_code>;

// A line no request() claimed: its generic shape, and the typed event when it is a
// well-formed event this version knows (otherwise show it as it came).
struct event_line : server_line {
  std::optional<protocol::event> typed;
};

class multiplexer;

// How to reach the server: plain TCP (the default), or TLS trusting what `context` trusts
// (tls::client_context) and accepting only a certificate for `verify_host`.
struct connect_options {
  bool tls = false;
  tls::context_ptr context;  // required with tls
  std::string verify_host;   // empty: the host connected to
};

// One reader and one writer coroutine own the connection (multiplexer.hpp). A request()
// takes the next slot in a FIFO of awaited replies, which the reader fills in order, as the
// protocol answers every command once and in order; every other line is an event. Any number
// of coroutines may request at once while another one awaits events. Not thread-safe: use it
// from the executor's one thread. Destroying it closes the connection.
class client {
 public:
  // Connects and checks the greeting (`hello msgapp 1`); a server that refuses the connection
  // (e.g. `error server-full`) or speaks something else gives std::errc::protocol_error.
  static awaitable<result<client>> connect(std::string host, std::uint16_t port);
  // The same, over TLS when `options` say so. A certificate refused gives an error of
  // tls::verify_category() that says why; a failed handshake, OpenSSL's error.
  static awaitable<result<client>> connect(std::string host, std::uint16_t port,
                                           connect_options options);

  // Sends `login <user> <password>` and returns the reply (ok or error).
  awaitable<result<server_line>> login(std::string user, std::string password);
  // Sends one command line and returns its reply. The connection's end fails it with its
  // error; more than max_awaited_replies at once fail with std::errc::no_buffer_space.
  awaitable<result<server_line>> request(protocol::command cmd);
  awaitable<result<server_line>> request(std::string line);  // a line as typed, without '\n'
  // Sends one command line whose reply nobody needs; it is dropped when it comes. An error
  // only when the line cannot be queued (connection gone, or too many replies awaited).
  std::error_code post(protocol::command cmd);
  std::error_code post(std::string line);
  // The next event, oldest first. When the connection has ended and no event is left, the
  // error it ended with. One coroutine at a time may await events.
  awaitable<result<event_line>> next_event();

  // Lower level, for tests of raw input and pipelining. These lines claim no reply, so their
  // replies arrive as events, in order (mixing them with request() in flight mismatches).
  awaitable<std::error_code> send_line(std::string line);  // appends '\n'
  awaitable<std::error_code> send_raw(std::string bytes);
  awaitable<result<event_line>> read_line() { return next_event(); }
  // Half-closes the connection once everything queued before it is written.
  awaitable<std::error_code> shutdown_send();

  std::size_t pending_events() const;   // events received and not yet taken
  std::size_t awaited_replies() const;  // lines sent (or queued) whose reply has not come
  result<tcp::endpoint> local_endpoint() const;
  bool is_tls() const;  // whether the connection to the server is TLS
  void close();

  ~client();
  client(client&&) noexcept = default;
  client& operator=(client&& other) noexcept;

 private:
  explicit client(std::shared_ptr<multiplexer> m) : m_(std::move(m)) {}
  awaitable<result<server_line>> request_line(std::string line);  // line ends in '\n'
  std::shared_ptr<multiplexer> m_;
};

// Bounds on what a client keeps, named once.
// Every line a server sends fits the protocol's line limit (docs/protocol.md, Limits): long
// replies continue over several lines, and texts and echoed input are bounded well below it.
inline constexpr std::size_t max_server_line = protocol::limits{}.max_line;
// A reply gathered from continuation lines (a users list of ~500,000 names of 32 bytes).
inline constexpr std::size_t max_gathered_reply = 16 * 1024 * 1024;
inline constexpr std::size_t max_kept_events = 100'000;   // received, not yet taken; then the
                                                          // connection ends (no_buffer_space)
inline constexpr std::size_t max_awaited_replies = 1024;  // request() + post() in flight
inline constexpr std::size_t max_unsent_lines = 1024;     // queued for the writer

}  // namespace msgapp::client
