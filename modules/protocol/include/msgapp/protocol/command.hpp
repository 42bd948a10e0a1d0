// The commands a client sends, as types, and the parser that turns a line into one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <tl/expected.hpp>

#include "msgapp/protocol/error.hpp"
#include "msgapp/protocol/limits.hpp"
#include "msgapp/protocol/words.hpp"

namespace msgapp::protocol {

struct login_cmd {
  std::string user;
  std::string password;
  bool operator==(const login_cmd&) const = default;
};
struct message_cmd {
  std::string to;
  std::string text;
  bool operator==(const message_cmd&) const = default;
};
struct broadcast_cmd {
  std::string text;
  bool operator==(const broadcast_cmd&) const = default;
};
struct whoelse_cmd {
  bool operator==(const whoelse_cmd&) const = default;
};
struct whoelsesince_cmd {
  std::uint64_t seconds = 0;  // saturates: a huge window simply means "ever"
  bool operator==(const whoelsesince_cmd&) const = default;
};
struct block_cmd {
  std::string user;
  bool operator==(const block_cmd&) const = default;
};
struct unblock_cmd {
  std::string user;
  bool operator==(const unblock_cmd&) const = default;
};
struct blocks_cmd {  // answered with a users reply: the names the asker has blocked
  bool operator==(const blocks_cmd&) const = default;
};
struct logout_cmd {
  bool operator==(const logout_cmd&) const = default;
};
// Private sessions: the server only brokers them (docs/protocol.md, "Private sessions").
struct privateport_cmd {
  std::uint16_t port = 0;
  bool operator==(const privateport_cmd&) const = default;
};
struct startprivate_cmd {
  std::string user;
  bool operator==(const startprivate_cmd&) const = default;
};
struct privateaccept_cmd {
  std::string user;
  std::string token;
  bool operator==(const privateaccept_cmd&) const = default;
};
struct active_cmd {
  bool operator==(const active_cmd&) const = default;
};
// Exactly-once offline messages (docs/protocol.md, "Offline messages, exactly once").
struct receipts_cmd {  // before login: send queued messages as `stored`, kept until confirmed
  bool operator==(const receipts_cmd&) const = default;
};
struct confirm_cmd {  // every `stored` message up to this id has been shown
  std::uint64_t id = 0;
  bool operator==(const confirm_cmd&) const = default;
};

using command = std::variant<login_cmd, message_cmd, broadcast_cmd, whoelse_cmd, whoelsesince_cmd,
                             block_cmd, unblock_cmd, logout_cmd, privateport_cmd, startprivate_cmd,
                             privateaccept_cmd, active_cmd, receipts_cmd, confirm_cmd, blocks_cmd>;

// Parses one line (without '\n'). Every refusal is an error value with a usage hint;
// names that cannot exist are refused as unknown users here, before the hub sees them.
tl::expected<command, error> parse_command(std::string_view line, const limits& lim);

// The line a client sends for a command, ending with '\n'; parse_command reads it back.
std::string format(const command& cmd);
// The client's hot path (msgbench): commands appended to a buffer that collects a burst.
void append_message(std::string& out, std::string_view to, std::string_view text);
void append_broadcast(std::string& out, std::string_view text);

// The command words a person may type to the server, for help texts and completion. (A
// client's own commands, such as msgclient's private and stopprivate, are not the server's.)
inline constexpr std::string_view command_words[] = {
    words::message, words::broadcast, words::whoelse, words::whoelsesince, words::block,
    words::unblock, words::blocks,    words::logout,  words::login,        words::startprivate};

}  // namespace msgapp::protocol
