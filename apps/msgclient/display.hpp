// How msgclient shows things: one line each for replies, events and private sessions. Pure.
// Every line returned is safe to print (ui::safe_text): most of its text came from the network.
// The styled_* functions give the same lines in styled parts: for a pipe their plain() text is
// exactly what the string functions return; for a terminal times are HH:MM, every event has
// one, and the styles (style.hpp) mark who speaks, what is private, and what is only status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <msgapp/client/p2p.hpp>
#include <msgapp/protocol/event.hpp>
#include <msgapp/protocol/server_line.hpp>

#include <msgapp/console/styled_line.hpp>

#include "user_command.hpp"

namespace msgapp::apps {

using protocol::server_line;

// Every error the user sees starts with `error: ` and nothing before it; nothing else does, so
// the output can send errors apart (stderr in pipe mode) by this prefix alone.
inline constexpr std::string_view error_prefix = "error: ";
std::string error_line(std::string_view text);
bool is_error_line(std::string_view line);

// The reply to a command the user typed.
std::string show_reply(const user_command& cmd, const server_line& reply);

// A refused login. A name that is blocked, or already online, ends the program; its line
// says `blocked` or `already`, whatever the server's wording.
std::string show_login_error(const server_line& reply);

// The names in an `ok users a b c` reply (whoelse), as they came: not made safe to print.
std::vector<std::string> names_in(const server_line& reply);

// An event from the server (messages, presence, time-out, shutdown); nothing for the private
// session set-up events, which the user does not need to see.
std::optional<std::string> show_event(const protocol::event& event);
// The same for a line as parse_server_line split it; a line that is no event of this protocol
// version is shown as it came (made safe).
std::optional<std::string> show_event(const server_line& event);

// Something that happened to a private session; `now` stamps incoming messages.
std::string show_private(const client::p2p_event& event, std::chrono::system_clock::time_point now);

// Where a line is drawn, and when it is drawn (the time of lines that carry none of their own).
struct view {
  bool terminal = false;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

ui::styled_line styled_error(std::string_view text);
ui::styled_line styled_reply(const user_command& cmd, const server_line& reply);
// A line that is neither a message nor an error (help, welcome, goodbye): quiet.
ui::styled_line styled_status(std::string_view text);
std::optional<ui::styled_line> styled_event(const protocol::event& event, const view& where);
std::optional<ui::styled_line> styled_event(const server_line& event, const view& where);
ui::styled_line styled_private(const client::p2p_event& event, const view& where);

// Your own message, once the server took it (or the private session did): `-> bob: hi`,
// `-> everyone: hi`, `-> bob (private): hi`, after the time; nothing for other commands.
std::optional<ui::styled_line> styled_sent(const user_command& cmd, const view& where);

// A direct or private message to you: what rings the bell.
bool is_for_you(const protocol::event& event);

// The server's UTC time (2026-11-25T20:16:03Z) in local time: 21:16:03, or with the date
// (2026-11-25 21:16:03). Text that is not such a time is shown as it came (made safe).
std::string local_time(std::string_view utc, bool with_date);

}  // namespace msgapp::apps
