// Parsing typed command lines: the verb, then what the client itself must know of the arguments.
#include "user_command.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

#include <msgapp/protocol/take_word.hpp>
#include <msgapp/protocol/words.hpp>

namespace msgapp::apps {
namespace {

namespace words = protocol::words;

struct verb_word {
  std::string_view word;
  verb what;
};
// Commands the server handles are typed as the protocol spells them, and sent as typed; the
// last three are the client's own and never reach the server.
constexpr std::array<verb_word, 11> verbs = {{
    {words::message, verb::message},
    {words::broadcast, verb::broadcast},
    {words::whoelse, verb::whoelse},
    {words::whoelsesince, verb::whoelsesince},
    {words::block, verb::block},
    {words::unblock, verb::unblock},
    {words::logout, verb::logout},
    {words::startprivate, verb::startprivate},
    {"private", verb::private_message},
    {"stopprivate", verb::stopprivate},
    {"help", verb::help},
}};

std::string_view rest_of(std::string_view s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  return s;
}

// A typed line may have several spaces between words, so they are skipped first.
std::string_view next_word(std::string_view& s) {
  s = rest_of(s);
  return protocol::take_word(s);
}

tl::unexpected<std::string> usage(std::string_view form) {
  return tl::unexpected(fmt::format("usage: {}", form));
}

}  // namespace

bool is_blank(std::string_view line) {
  return line.find_first_not_of(' ') == std::string_view::npos;
}

tl::expected<user_command, std::string> parse_user_command(std::string_view line) {
  std::string_view rest = line;
  const auto word = next_word(rest);
  user_command cmd;
  const auto* found =
      std::find_if(verbs.begin(), verbs.end(), [&](const verb_word& v) { return v.word == word; });
  if (found == verbs.end()) {
    return tl::unexpected(fmt::format("unknown command '{}'; type help for the list", word));
  }
  cmd.what = found->what;
  switch (cmd.what) {
    case verb::private_message:
      cmd.user = std::string(next_word(rest));
      cmd.text = std::string(rest_of(rest));
      if (cmd.user.empty() || cmd.text.empty()) return usage("private <user> <text>");
      return cmd;
    case verb::stopprivate:
      cmd.user = std::string(next_word(rest));
      if (!rest_of(rest).empty()) return usage("stopprivate [<user>]");
      return cmd;
    case verb::help:
      return cmd;
    case verb::startprivate:
      // The server checks the name; the client needs it to refuse a second session.
      cmd.user = std::string(next_word(rest));
      break;
    default:
      break;
  }
  cmd.line = std::string(rest_of(line));
  return cmd;
}

std::vector<std::string> command_words() {
  std::vector<std::string> words;
  for (const auto& v : verbs)
    words.emplace_back(v.word);
  return words;
}

std::vector<std::string> help_lines() {
  return {
      "commands:",
      "  message <user> <text>     send a message (queued if the user is offline)",
      "  broadcast <text>          send a message to everyone online",
      "  whoelse                   who else is online",
      "  whoelsesince <seconds>    who else was online in the last <seconds>",
      "  block <user> / unblock <user>",
      "  startprivate <user>       open a private session (a direct connection) with <user>",
      "  private <user> <text>     send over the private session; the server never sees it",
      "  stopprivate [<user>]      end a private session",
      "  logout                    log out and quit (so do Ctrl-D and Ctrl-C)",
      "  help                      this list",
  };
}

}  // namespace msgapp::apps
