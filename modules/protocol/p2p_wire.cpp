// Formatting and parsing of the client-to-client lines of a private session.
#include "msgapp/protocol/p2p_wire.hpp"

#include "msgapp/protocol/take_word.hpp"
#include "msgapp/protocol/words.hpp"

namespace msgapp::protocol::p2p {

std::string format_hello(std::string_view me, std::string_view token) {
  std::string line;
  line.append(words::private_hello).append(" ").append(me).append(" ").append(token).append("\n");
  return line;
}

std::string format_welcome(std::string_view me) {
  std::string line;
  line.append(words::ok).append(" ").append(me).append("\n");
  return line;
}

std::string format_message(std::string_view text) {
  std::string line;
  line.append(words::msg).append(" ").append(text).append("\n");
  return line;
}

std::optional<hello> parse_hello(std::string_view line) {
  if (take_word(line) != words::private_hello) return std::nullopt;
  hello h;
  h.user = std::string(take_word(line));
  h.token = std::string(take_word(line));
  if (h.user.empty() || h.token.empty() || !line.empty()) return std::nullopt;
  return h;
}

std::optional<std::string> parse_welcome(std::string_view line) {
  if (take_word(line) != words::ok) return std::nullopt;
  const auto name = take_word(line);
  if (name.empty() || !line.empty()) return std::nullopt;
  return std::string(name);
}

peer_line parse_peer_line(std::string_view line) {
  const auto word = take_word(line);
  peer_line out;
  if (word == words::msg && !line.empty()) {
    out.what = peer_line::kind::message;
    out.text = std::string(line);
  } else if (word == words::bye) {
    out.what = peer_line::kind::bye;
  }
  return out;
}

}  // namespace msgapp::protocol::p2p
