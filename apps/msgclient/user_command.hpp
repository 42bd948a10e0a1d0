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
  logout,
  startprivate,
  private_message,  // `private`
  stopprivate,
  help,
};

struct user_command {
  verb what = verb::help;
  std::string user;  // message, block, unblock, startprivate, private, stopprivate (may be empty)
  std::string text;  // the free text of message, broadcast, private; whoelsesince's seconds
  std::string line;  // for commands the server handles: the line to send, as typed
};

// Parses one typed line (not blank). Commands the server handles are only recognised here;
// the server checks their arguments, and its usage hints are shown as they come. Protocol
// words the user has no business typing (login, privateport, privateaccept, active) are
// unknown commands.
tl::expected<user_command, std::string> parse_user_command(std::string_view line);

// True for a line with nothing but spaces.
bool is_blank(std::string_view line);

// The command words, for Tab completion.
std::vector<std::string> command_words();

// The text `help` prints, one line each.
std::vector<std::string> help_lines();

}  // namespace msgapp::apps
