// Lines the server sends: formatting (server side) and classifying/parsing (client side).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "msgapp/protocol/error.hpp"

namespace msgapp::protocol {

// ---- formatting (each result ends with '\n', ready to write) ----
std::string format_greeting();
std::string format_ok(std::string_view text);
std::string format_error(const error& e);
// The generic shapes under event.hpp's typed formatters; `kind` is a words:: constant.
// Events with a time and a sender: msg, offline, broadcast, presence, private-offer/-ready.
std::string format_event(std::string_view kind, std::string_view time, std::string_view from,
                         std::string_view text);
// Events with only a text: timeout, shutdown (and idle-warning, whose text opens with a number).
std::string format_notice(std::string_view kind, std::string_view text);
// UTC, second precision: 2026-11-25T20:16:03Z
std::string format_time(std::chrono::system_clock::time_point t);

// ---- parsing (what a client does with a line it received, without '\n') ----
enum class line_kind { greeting, ok, error, event };

struct server_line {
  line_kind kind = line_kind::event;
  std::string word;  // the first word: "ok", "error", "msg", "presence", ...
  std::string code;  // error code word (error replies only)
  std::string time;  // events with a time
  std::string from;  // events with a sender
  std::string text;  // the rest
};

server_line parse_server_line(std::string_view line);

// The same split without copies, for readers on a hot path (msgbench): views into `line`.
struct server_line_view {
  line_kind kind = line_kind::event;
  std::string_view word, code, time, from, text;
};
server_line_view view_server_line(std::string_view line);

// The protocol version in a greeting (`hello msgapp 1`); nothing for any other line.
std::optional<int> parse_greeting(std::string_view line);

// Typed forms of events and replies: event.hpp and reply.hpp.

}  // namespace msgapp::protocol
