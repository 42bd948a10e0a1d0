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
// Commands the server handles are typed as the protocol spells them, and sent so; then the
// client's own, which never reach the server; then the aliases people bring from IRC clients.
constexpr std::array<verb_word, 20> verbs = {{
    {words::message, verb::message},
    {words::broadcast, verb::broadcast},
    {words::whoelse, verb::whoelse},
    {words::whoelsesince, verb::whoelsesince},
    {words::block, verb::block},
    {words::unblock, verb::unblock},
    {words::blocks, verb::blocks},
    {words::logout, verb::logout},
    {words::startprivate, verb::startprivate},
    {"private", verb::private_message},
    {"stopprivate", verb::stopprivate},
    {"query", verb::query},
    {"presence", verb::presence},  // not protocol: the client's own command
    {"help", verb::help},
    {"msg", verb::message},  // not protocol: an alias, sent as `message`
    {"quit", verb::logout},
    {"who", verb::whoelse},
    {"whosince", verb::whoelsesince},
    {"talk", verb::query},
    {"commands", verb::help},
}};

// Typos this close (in edits: a letter added, dropped or changed) name the command meant.
constexpr std::size_t max_suggest_distance = 2;

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& ch : out)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return out;
}

// Levenshtein distance, one row at a time: command words are short.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_command(std::string_view typed, std::string_view word) {
  const verb_word* nearest = nullptr;
  std::size_t best = max_suggest_distance + 1;
  for (const auto& v : verbs) {
    const std::size_t d = edit_distance(word, v.word);
    if (d < best) {
      best = d;
      nearest = &v;
    }
  }
  if (nearest != nullptr && best < word.size()) {
    return fmt::format("unknown command '{}'; did you mean '{}'?", typed, nearest->word);
  }
  return fmt::format("unknown command '{}'; type help for the list", typed);
}

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

bool is_slash_command(std::string_view line) {
  const auto first = line.find_first_not_of(' ');
  return first != std::string_view::npos && line[first] == '/';
}

user_command message_to(std::string_view user, std::string_view text) {
  user_command cmd;
  cmd.what = verb::message;
  cmd.user = std::string(user);
  cmd.text = std::string(text);
  cmd.line = fmt::format("{} {} {}", words::message, user, text);
  return cmd;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(' ') == std::string_view::npos;
}

tl::expected<user_command, std::string> parse_user_command(std::string_view line) {
  std::string_view rest = line;
  const auto typed = next_word(rest);
  const std::string_view after_verb = rest;
  const std::string word = lowercase(typed.starts_with('/') ? typed.substr(1) : typed);
  user_command cmd;
  const auto* found =
      std::find_if(verbs.begin(), verbs.end(), [&](const verb_word& v) { return v.word == word; });
  if (found == verbs.end()) return tl::unexpected(unknown_command(typed, word));
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
    case verb::query:
      cmd.user = std::string(next_word(rest));
      if (!rest_of(rest).empty()) return usage("query [<user>]");
      return cmd;
    case verb::presence: {
      const auto setting = lowercase(next_word(rest));
      if ((setting != "on" && setting != "off") || !rest_of(rest).empty()) {
        return usage("presence on|off");
      }
      cmd.on = setting == "on";
      return cmd;
    }
    case verb::help:
      return cmd;
    case verb::startprivate:
      // The server checks the name; the client needs it to refuse a second session.
      cmd.user = std::string(next_word(rest));
      break;
    default:
      break;
  }
  // The protocol's word, then the rest exactly as typed (the server takes texts as they are).
  const auto canonical = std::find_if(verbs.begin(), verbs.end(),
                                      [&](const verb_word& v) { return v.what == cmd.what; });
  cmd.line = std::string(canonical->word);
  if (!after_verb.empty()) cmd.line.append(" ").append(after_verb);
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
      "  blocks                    whom you have blocked",
      "  startprivate <user>       open a private session (a direct connection) with <user>",
      "  private <user> <text>     send over the private session; the server never sees it",
      "  stopprivate [<user>]      end a private session",
      "  query <user>              talk to <user>: plain lines go to them (query alone: stop)",
      "  presence on|off           show or hide the lines about others logging in and out",
      "  logout                    log out and quit (so do Ctrl-D and Ctrl-C)",
      "  help                      this list",
      "commands may start with / and are read in any case; msg, quit, who, whosince and talk",
      "are aliases. While you talk to someone, start a command with /.",
  };
}

}  // namespace msgapp::apps
