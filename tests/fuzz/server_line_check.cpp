// What a client makes of a server line, checked against what the line says it is.
#include "server_line_check.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include <msgapp/protocol/event.hpp>
#include <msgapp/protocol/reply.hpp>
#include <msgapp/protocol/server_line.hpp>
#include <msgapp/protocol/text_rules.hpp>

namespace msgapp::fuzz {

void require(bool condition, std::string_view what) {
  if (condition) return;
  std::fprintf(stderr, "invariant broken: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

void require_server_line(std::string_view line) {
  namespace protocol = msgapp::protocol;
  require(!line.empty() && line.back() == '\n', "a server line ends with a newline");
  const std::string_view text = line.substr(0, line.size() - 1);
  require(text.find('\n') == std::string_view::npos, "a server line is one line");
  require(protocol::is_valid_utf8(text), "a server line is UTF-8");
  const auto parsed = protocol::parse_server_line(text);
  switch (parsed.kind) {
    case protocol::line_kind::greeting:
      require(protocol::parse_greeting(text).has_value(), "a greeting gives its version");
      break;
    case protocol::line_kind::ok:
      require(protocol::parse_ok_reply(text).has_value(), "an ok reply parses");
      break;
    case protocol::line_kind::error:
      require(protocol::parse_error_reply(text).has_value(), "an error reply has a known code");
      break;
    case protocol::line_kind::event:
      require(protocol::parse_event(text).has_value(), "an event parses");
      break;
  }
}

}  // namespace msgapp::fuzz
