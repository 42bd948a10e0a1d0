// Events, the lines the server sends unasked, as types: one format and one parse for each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "msgapp/protocol/server_line.hpp"

namespace msgapp::protocol {

// `<time>` is the server's UTC time as format_time() writes it.
struct msg_event {
  std::string time;
  std::string from;
  std::string text;
  bool operator==(const msg_event&) const = default;
};
// A direct message that waited while the recipient was offline; `time` is when it was sent.
struct offline_event {
  std::string time;
  std::string from;
  std::string text;
  bool operator==(const offline_event&) const = default;
};
// The same for a client that sent `receipts`: it carries the message's id, and the server
// keeps the message until the client confirms it (`confirm <id>`).
struct stored_event {
  std::string time;
  std::string from;
  std::uint64_t id = 0;
  std::string text;
  bool operator==(const stored_event&) const = default;
};
struct broadcast_event {
  std::string time;
  std::string from;
  std::string text;
  bool operator==(const broadcast_event&) const = default;
};
enum class presence_change { logged_in, logged_out };
struct presence_event {
  std::string time;
  std::string user;
  presence_change change = presence_change::logged_in;
  bool operator==(const presence_event&) const = default;
};
// `from` wants a private session: expect one connection from them presenting `token`.
struct private_offer_event {
  std::string time;
  std::string from;
  std::string token;
  bool operator==(const private_offer_event&) const = default;
};
// `from` is ready: connect to host:port and present `token`.
struct private_ready_event {
  std::string time;
  std::string from;
  std::string host;
  std::uint16_t port = 0;
  std::string token;
  bool operator==(const private_ready_event&) const = default;
};
struct timeout_event {
  std::string text;
  bool operator==(const timeout_event&) const = default;
};
struct shutdown_event {
  std::string text;
  bool operator==(const shutdown_event&) const = default;
};

// The idle time-out comes in `seconds` unless the user sends a command; sent once per idle
// period. `text` says so in words that never say it has happened.
struct idle_warning_event {
  std::uint64_t seconds = 0;
  std::string text;
  bool operator==(const idle_warning_event&) const = default;
};

using event = std::variant<msg_event, offline_event, stored_event, broadcast_event, presence_event,
                           private_offer_event, private_ready_event, timeout_event, shutdown_event,
                           idle_warning_event>;

// ---- formatting (each result ends with '\n'). The hub formats from views, so a relayed text is
// copied once, straight into its line. ----
std::string format_msg(std::string_view time, std::string_view from, std::string_view text);
std::string format_offline(std::string_view time, std::string_view from, std::string_view text);
std::string format_stored(std::string_view time, std::string_view from, std::uint64_t id,
                          std::string_view text);
std::string format_broadcast(std::string_view time, std::string_view from, std::string_view text);
std::string format_presence(std::string_view time, std::string_view user, presence_change change);
std::string format_private_offer(std::string_view time, std::string_view from,
                                 std::string_view token);
std::string format_private_ready(std::string_view time, std::string_view from,
                                 std::string_view host, std::uint16_t port, std::string_view token);
std::string format_timeout(std::string_view text);
std::string format_shutdown(std::string_view text);
std::string format_idle_warning(std::uint64_t seconds, std::string_view text);
std::string format(const event& e);

// ---- parsing (a received line without '\n') ----
// Nothing for a line that is not a well-formed event: a greeting, a reply, a malformed event,
// or an event word this version does not know (show such lines as they came).
std::optional<event> parse_event(std::string_view line);
// The same for a line that parse_server_line already split.
std::optional<event> to_event(const server_line& line);

}  // namespace msgapp::protocol
