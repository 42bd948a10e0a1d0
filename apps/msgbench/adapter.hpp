// The protocol adapter: what a workload needs from a chat protocol, so one workload drives any
// server.
#pragma once

#include "bench_conn.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace msgbench {

enum class line_kind {
  reply_ok,     // the server accepted our last command
  reply_error,  // the server refused a command (text holds the whole line)
  direct,       // a message sent to us by name (text is the message text)
  group,        // a broadcast or channel message (text is the message text)
  ping,         // a keep-alive we must answer (text is the token)
  joined,       // we are now in the group (IRC: end of NAMES)
  left,         // another user went away (text is the user name); msgapp presence only
  arrived,      // another user logged in (text is the user name); msgapp presence only
  closing,      // the server says it is closing the connection
  other,        // presence, greetings, notices: read and ignored
};

struct parsed_line {
  line_kind kind = line_kind::other;
  std::string_view text;
};

class protocol_adapter {
 public:
  virtual ~protocol_adapter() = default;

  // Logs `user` in on a fresh connection; returns "" on success, otherwise what went wrong.
  virtual msgapp::awaitable<std::string> login(bench_conn& conn, std::string user,
                                               std::string password) const = 0;
  // Says goodbye and waits for the server to close; returns "" on success.
  virtual msgapp::awaitable<std::string> logout(bench_conn& conn) const = 0;

  // The bytes that join the benchmark group, or "" when every logged-in user is in it.
  virtual std::string join_group_line() const = 0;
  virtual void append_direct(std::string& out, std::string_view to,
                             std::string_view text) const = 0;
  virtual void append_group(std::string& out, std::string_view text) const = 0;
  virtual void append_pong(std::string& out, std::string_view token) const = 0;
  // msgapp answers every command with ok/error; IRC answers only failures.
  virtual bool replies_to_sends() const = 0;

  virtual parsed_line parse(std::string_view line) const = 0;
};

std::unique_ptr<protocol_adapter> make_msgapp_adapter();
std::unique_ptr<protocol_adapter> make_irc_adapter();

}  // namespace msgbench
