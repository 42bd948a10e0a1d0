// libFuzzer target: a peer's bytes through everything they reach in modules/protocol. The
// framer against a plain split of the same bytes, whatever the chunks; each line as a command
// (what a server does with it) and as a server line and private-session line (what a client
// does), with every parse that succeeds formatted and parsed back to the same value.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <msgapp/protocol/command.hpp>
#include <msgapp/protocol/event.hpp>
#include <msgapp/protocol/line_framer.hpp>
#include <msgapp/protocol/p2p_wire.hpp>
#include <msgapp/protocol/reply.hpp>
#include <msgapp/protocol/server_line.hpp>
#include <msgapp/protocol/text_rules.hpp>

#include "server_line_check.hpp"

namespace {

namespace protocol = msgapp::protocol;
using msgapp::fuzz::require;
using msgapp::fuzz::require_server_line;

struct framed {
  std::string text;
  bool too_long = false;
  bool operator==(const framed&) const = default;
};

// What the framer must return for `bytes` however they are chunked: each '\n'-terminated
// piece, over-long ones as too_long; a partial last piece only once it reaches max_line.
std::vector<framed> split(std::string_view bytes, std::size_t max_line) {
  std::vector<framed> out;
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (bytes.size() >= max_line) out.push_back({{}, true});
      break;
    }
    std::string_view text = bytes.substr(0, nl);
    if (nl + 1 > max_line) {
      out.push_back({{}, true});
    } else {
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      out.push_back({std::string(text), false});
    }
    bytes.remove_prefix(nl + 1);
  }
  return out;
}

std::vector<framed> frame_in_chunks(std::string_view bytes, std::size_t max_line,
                                    std::uint32_t seed) {
  protocol::line_framer framer(max_line);
  std::vector<framed> out;
  while (!bytes.empty()) {
    seed = seed * 1'103'515'245u + 12'345u;  // chunk sizes 1..64, reproducible per input
    const std::size_t n = std::min<std::size_t>(bytes.size(), 1 + (seed >> 16) % 64);
    framer.feed(bytes.substr(0, n));
    bytes.remove_prefix(n);
    while (auto line = framer.next())
      out.push_back({std::string(line->text), line->too_long});
  }
  return out;
}

std::string_view without_newline(const std::string& line) {
  require(!line.empty() && line.back() == '\n', "a formatted line ends with a newline");
  return std::string_view(line).substr(0, line.size() - 1);
}

// The server's side: a command, or one error line for the client.
void as_command(std::string_view text, const protocol::limits& lim) {
  const auto cmd = protocol::parse_command(text, lim);
  if (!cmd) {
    require_server_line(protocol::format_error(cmd.error()));
    return;
  }
  require(protocol::check_line(text).has_value(), "a command is a valid line");
  const auto again = protocol::parse_command(without_newline(protocol::format(*cmd)), lim);
  require(again.has_value() && *again == *cmd, "a command formats back to itself");
}

// A client's side: whatever the server (or a peer) sent.
void as_server_line(std::string_view text) {
  const auto line = protocol::parse_server_line(text);
  const auto event = protocol::parse_event(text);
  require(protocol::to_event(line) == event, "parse_event is to_event of the split");
  if (event) {
    const auto again = protocol::parse_event(without_newline(protocol::format(*event)));
    require(again == event, "an event formats back to itself");
  }
  if (const auto reply = protocol::parse_ok_reply(text)) {
    const auto again = protocol::parse_ok_reply(without_newline(protocol::format(*reply)));
    require(again == reply, "an ok reply formats back to itself");
  }
  if (const auto error = protocol::parse_error_reply(text)) {
    const auto again = protocol::parse_error_reply(without_newline(protocol::format_error(*error)));
    require(again == error, "an error reply formats back to itself");
  }
  (void)protocol::parse_greeting(text);
}

void as_peer_line(std::string_view text) {
  namespace p2p = protocol::p2p;
  if (const auto hello = p2p::parse_hello(text)) {
    const auto again =
        p2p::parse_hello(without_newline(p2p::format_hello(hello->user, hello->token)));
    require(again && again->user == hello->user && again->token == hello->token,
            "a private-hello formats back to itself");
  }
  if (const auto name = p2p::parse_welcome(text)) {
    require(p2p::parse_welcome(without_newline(p2p::format_welcome(*name))) == name,
            "a private welcome formats back to itself");
  }
  const auto peer = p2p::parse_peer_line(text);
  if (peer.what == p2p::peer_line::kind::message) {
    const auto again = p2p::parse_peer_line(without_newline(p2p::format_message(peer.text)));
    require(again.what == peer.what && again.text == peer.text,
            "a private message formats back to itself");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // Byte 0 picks the line limit (small ones reach too_long quickly), byte 1 the chunking.
  constexpr std::size_t max_lines[] = {64, 100, 256, 4096};
  protocol::limits lim;
  lim.max_line = max_lines[data[0] % 4];
  const std::uint32_t seed = data[1];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);

  const auto lines = frame_in_chunks(bytes, lim.max_line, seed);
  require(lines == split(bytes, lim.max_line), "the framer splits as the bytes say");
  for (const auto& line : lines) {
    if (line.too_long) continue;
    require(line.text.size() < lim.max_line, "a framed line fits the limit");
    as_command(line.text, lim);
    as_server_line(line.text);
    as_peer_line(line.text);
    (void)protocol::is_valid_name(line.text, lim);
    (void)protocol::is_valid_password(line.text, lim);
  }
  return 0;
}
