// What the user types after login, as values: which command, and its arguments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace msgapp::apps {

enum class verb {
  message,
  broadcast,
  whoelse,
  whoelsesince,
  block,
  unblock,
  blocks,
  logout,
  startprivate,
  private_message,  // `private`
  stopprivate,
  query,     // `query <user>` / `talk <user>`: plain lines go to <user>; alone: back to commands
  presence,  // `presence on|off`: show or hide the lines about others logging in and out
  help,
};

struct user_command {
  verb what = verb::help;
  // message, block, unblock, startprivate, private, stopprivate and query (these two may be empty)
  std::string user;
  std::string text;  // the free text of message, broadcast, private; whoelsesince's seconds
  bool on = true;    // presence
  std::string line;  // for commands the server handles: the line to send, as typed
};

// Parses one typed line (not blank). Commands the server handles are only recognised here;
// the server checks their arguments, and its usage hints are shown as they come. Protocol
// words the user has no business typing (login, privateport, privateaccept, active) are
// unknown commands. The command word may start with `/` and is read in any case; the aliases
// people know from IRC clients (msg, quit, who, whosince, talk) are accepted, and the line sent
// spells the protocol's word. An unknown word names the nearest command, when one is near.
tl::expected<user_command, std::string> parse_user_command(std::string_view line);

// True when a line is a command even in a conversation (`query`): it starts with `/`.
bool is_slash_command(std::string_view line);

// A plain line typed while talking to `user`: the message that carries it.
user_command message_to(std::string_view user, std::string_view text);

// True for a line with nothing but spaces.
bool is_blank(std::string_view line);

// The command words, for Tab completion.
std::vector<std::string> command_words();

// The text `help` prints, one line each.
std::vector<std::string> help_lines();

}  // namespace msgapp::apps
