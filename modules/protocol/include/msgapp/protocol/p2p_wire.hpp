// The private-session protocol: the lines two clients exchange (docs/protocol.md, "Private
// sessions"). The server never sees them; they live beside its protocol all the same.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace msgapp::protocol::p2p {

// ---- formatting (each result ends with '\n', ready to write) ----
std::string format_hello(std::string_view me, std::string_view token);  // the caller's first line
std::string format_welcome(std::string_view me);                        // "ok <me>"
std::string format_message(std::string_view text);                      // "msg <text>"
inline constexpr std::string_view refusal = "error refused\n";  // words::error, words::refused
inline constexpr std::string_view bye = "bye\n";                // words::bye

// ---- parsing (a line without its '\n') ----
struct hello {
  std::string user;
  std::string token;
};
// `private-hello <user> <token>`; anything else is not a hello.
std::optional<hello> parse_hello(std::string_view line);

// The answer to a hello: the name in `ok <name>`, or nothing for a refusal or nonsense.
std::optional<std::string> parse_welcome(std::string_view line);

struct peer_line {
  enum class kind { message, bye, unknown };
  kind what = kind::unknown;
  std::string text;  // message text
};
peer_line parse_peer_line(std::string_view line);

}  // namespace msgapp::protocol::p2p
