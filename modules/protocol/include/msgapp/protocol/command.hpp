// The commands a client sends, as types, and the parser that turns a line into one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <tl/expected.hpp>

#include "msgapp/protocol/error.hpp"
#include "msgapp/protocol/limits.hpp"

namespace msgapp::protocol {

struct login_cmd {
  std::string user;
  std::string password;
};
struct message_cmd {
  std::string to;
  std::string text;
};
struct broadcast_cmd {
  std::string text;
};
struct whoelse_cmd {};
struct whoelsesince_cmd {
  std::uint64_t seconds = 0;  // saturates: a huge window simply means "ever"
};
struct block_cmd {
  std::string user;
};
struct unblock_cmd {
  std::string user;
};
struct logout_cmd {};
// Private sessions: the server only brokers them (docs/protocol.md, "Private sessions").
struct privateport_cmd {
  std::uint16_t port = 0;
};
struct startprivate_cmd {
  std::string user;
};
struct privateaccept_cmd {
  std::string user;
  std::string token;
};
struct active_cmd {};

using command = std::variant<login_cmd, message_cmd, broadcast_cmd, whoelse_cmd, whoelsesince_cmd,
                             block_cmd, unblock_cmd, logout_cmd, privateport_cmd, startprivate_cmd,
                             privateaccept_cmd, active_cmd>;

// Parses one line (without '\n'). Every refusal is an error value with a usage hint;
// names that cannot exist are refused as unknown users here, before the hub sees them.
tl::expected<command, error> parse_command(std::string_view line, const limits& lim);

// The command words a client can type, for help texts and completion.
inline constexpr std::string_view command_words[] = {
    "message", "broadcast", "whoelse",      "whoelsesince", "block",      "unblock",
    "logout",  "login",     "startprivate", "private",      "stopprivate"};

}  // namespace msgapp::protocol
