// Replies, the one answer to each command, as types: `ok ...` replies and `error` replies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "msgapp/protocol/error.hpp"

namespace msgapp::protocol {

struct welcome_reply {  // login
  std::string user;
  bool operator==(const welcome_reply&) const = default;
};
struct delivered_reply {  // message, recipient online
  std::string to;
  bool operator==(const delivered_reply&) const = default;
};
struct queued_reply {  // message, recipient offline
  std::string to;
  bool operator==(const queued_reply&) const = default;
};
struct broadcast_reply {
  std::size_t sent = 0;
  bool skipped = false;  // some users who blocked the sender did not get it
  bool operator==(const broadcast_reply&) const = default;
};
struct users_reply {  // whoelse, whoelsesince
  std::vector<std::string> names;
  bool operator==(const users_reply&) const = default;
};
struct blocked_reply {
  std::string user;
  bool operator==(const blocked_reply&) const = default;
};
struct unblocked_reply {
  std::string user;
  bool operator==(const unblocked_reply&) const = default;
};
struct goodbye_reply {  // logout
  std::string user;
  bool operator==(const goodbye_reply&) const = default;
};
struct private_port_reply {  // privateport
  std::uint16_t port = 0;
  bool operator==(const private_port_reply&) const = default;
};
struct private_requested_reply {  // startprivate
  std::string user;
  bool operator==(const private_requested_reply&) const = default;
};
struct private_accepted_reply {  // privateaccept
  std::string user;
  bool operator==(const private_accepted_reply&) const = default;
};
struct active_reply {
  bool operator==(const active_reply&) const = default;
};
struct receipts_reply {     // receipts: the id of the server's database, random, made with it
  std::string database_id;  // a client keys what it has shown by (database_id, user)
  bool operator==(const receipts_reply&) const = default;
};
struct confirmed_reply {  // confirm: the messages up to `id` are deleted
  std::uint64_t id = 0;
  bool operator==(const confirmed_reply&) const = default;
};

using ok_reply = std::variant<welcome_reply, delivered_reply, queued_reply, broadcast_reply,
                              users_reply, blocked_reply, unblocked_reply, goodbye_reply,
                              private_port_reply, private_requested_reply, private_accepted_reply,
                              active_reply, receipts_reply, confirmed_reply>;

// `ok ...\n`, ready to write. (format_error in server_line.hpp writes `error` replies.)
std::string format(const ok_reply& r);

// A users reply as it goes on the wire: every line at most `max_line` bytes (with '\n').
// Names that do not fit one line go ahead of the reply in `users <name> ...` continuation
// lines, and the reply `ok users <name> ...` carries the last of them (like IRC's NAMES).
// A client that knows this gathers them (users_continuation); an older one shows them as
// events it does not know, and still gets one reply per command.
std::vector<std::string> format_lines(const users_reply& r, std::size_t max_line);

// The names of a received `users <name> ...` continuation line (without '\n'); nothing for
// any other line.
std::optional<std::vector<std::string>> parse_users_continuation(std::string_view line);

// A received `ok ...` line (without '\n'); nothing for any other line, or an ok text this
// version does not know (show its text as it came).
std::optional<ok_reply> parse_ok_reply(std::string_view line);

// The same for the text after `ok ` (server_line::text of an ok line).
std::optional<ok_reply> parse_ok_text(std::string_view text);

// A received `error <code> <text>` line; nothing for any other line or an unknown code word.
std::optional<error> parse_error_reply(std::string_view line);

// The code for a word that follows `error ` on the wire: the inverse of code_word().
std::optional<errc> parse_code_word(std::string_view word);

}  // namespace msgapp::protocol
