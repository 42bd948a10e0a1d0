// An awaitable msgapp client: connect, log in, send commands and await their replies, and
// await events (messages, presence...) as they come.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <system_error>

#include <msgapp/net.hpp>
#include <msgapp/protocol/server_line.hpp>

namespace msgapp::client {

using protocol::line_kind;
using protocol::server_line;
template <typename T>
using result = tl::expected<T, std::error_code>;

class client {
 public:
  // Connects and checks the greeting (`hello msgapp 1`); a server that refuses the connection
  // (e.g. `error server-full`) or speaks something else gives std::errc::protocol_error.
  static awaitable<result<client>> connect(std::string host, std::uint16_t port);

  // Sends `login <user> <password>` and returns the reply (ok or error).
  awaitable<result<server_line>> login(std::string user, std::string password);
  // Sends one command line and returns its reply. Events that arrive before the reply are
  // kept, in order, for next_event().
  awaitable<result<server_line>> request(std::string line);
  // The next event: one kept by request(), else the next one from the server. A reply here
  // would mean a reply without a request: it is returned too, so a test can see it.
  awaitable<result<server_line>> next_event();

  // Lower level, for pipelining (several requests in flight) and for tests of bad input.
  awaitable<std::error_code> send_line(std::string line);  // appends '\n'
  awaitable<std::error_code> send_raw(std::string bytes);
  awaitable<result<server_line>> read_line();  // the next line from the socket, whatever it is
  awaitable<result<std::string>> read_raw_line();

  std::size_t pending_events() const { return events_.size(); }
  tcp::socket& socket() { return socket_; }
  void close();

  explicit client(tcp::socket socket) : socket_(std::move(socket)) {}

 private:
  tcp::socket socket_;
  std::string buffer_;
  std::deque<server_line> events_;
};

// Bounds on what a client accepts from a server.
inline constexpr std::size_t max_server_line = 64 * 1024;
inline constexpr std::size_t max_kept_events = 100'000;

}  // namespace msgapp::client
