// What --json prints: one JSON object per event, reply and status line (docs/client.md,
// "Scripts"). Pure: `now` stamps whatever the server did not time itself.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <msgapp/client/p2p.hpp>
#include <msgapp/protocol/server_line.hpp>

#include "user_command.hpp"

namespace msgapp::apps {

using json_clock = std::chrono::system_clock;

// An event from the server; empty for the private-session set-up events, which are nobody's
// business but the client's.
std::string json_event(const protocol::server_line& event, json_clock::time_point now);

// The reply to a command typed (`command` is its first word, as typed), or to `login`.
std::string json_reply(std::string_view command, const protocol::server_line& reply,
                       json_clock::time_point now);
std::string json_reply(const user_command& cmd, const protocol::server_line& reply,
                       json_clock::time_point now);

std::string json_private(const client::p2p_event& event, json_clock::time_point now);

std::string json_welcome(std::string_view user, json_clock::time_point now);

// One of msgclient's own lines: an error (`error: ...` as error_line writes it) or a status.
std::string json_status(std::string_view line, json_clock::time_point now);

}  // namespace msgapp::apps
