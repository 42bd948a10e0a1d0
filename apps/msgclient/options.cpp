// Command-line parsing for msgclient with CLI11. Every usage error ends in a `usage:` line on
// stderr and exit status 2 (CLI11's own codes start at 100, so its errors are mapped here).
#include "options.hpp"

#include <charconv>
#include <iostream>

#include <CLI/CLI.hpp>

namespace msgapp::apps {
namespace {

constexpr const char* usage_line = "usage: msgclient <host> <port> [--user NAME]";

constexpr const char* description =
    "msgclient: the msgapp chat client. It connects to a msgserver, asks for your user name\n"
    "and password (the password is not shown as you type), and then reads one command per\n"
    "line while messages from others appear as they come:\n"
    "\n"
    "  message <user> <text>     send a message (queued if the user is offline)\n"
    "  broadcast <text>          send a message to everyone online\n"
    "  whoelse                   who else is online\n"
    "  whoelsesince <seconds>    who else was online in the last <seconds>\n"
    "  block <user>              stop <user> from messaging you or seeing you online\n"
    "  unblock <user>            undo block\n"
    "  startprivate <user>       open a private session: a direct connection to <user>\n"
    "  private <user> <text>     send a message over the private session with <user>\n"
    "  stopprivate [<user>]      end a private session (<user> may be left out if you have one)\n"
    "  logout                    log out and quit (so does end of input, Ctrl-D or Ctrl-C)\n"
    "  help                      list these commands\n"
    "\n"
    "Private messages go straight to the other client and never pass through the server; the\n"
    "sessions go on if the server goes away. On a terminal, lines can be edited, Up and Down\n"
    "walk the history, and Tab completes commands and the names of online users. When input\n"
    "is not a terminal, msgclient reads the user name, the password and then the commands one\n"
    "line each, so scripts can drive it.\n"
    "\n"
    "Exit status: 0 after logout or end of input; 1 when the login fails (blocked, already\n"
    "online), the server times you out, or the connection to the server is lost; 2 for bad\n"
    "arguments.";

int usage_error(const std::string& why) {
  std::cerr << usage_line << "\nmsgclient: " << why << "\nTry 'msgclient --help'.\n";
  return 2;
}

}  // namespace

std::variant<client_options, int> parse_client_options(int argc, char** argv) {
  client_options out;
  std::string port;
  std::string user;
  CLI::App app{description};
  app.add_option("host", out.host, "the server's host name or address")->required();
  app.add_option("port", port, "the server's TCP port")->required();
  auto* user_flag = app.add_option("--user", user, "log in as NAME (only the password is asked)")
                        ->type_name("NAME");
  app.set_version_flag("--version", std::string("msgclient ") + MSGAPP_VERSION);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  std::uint32_t number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || number == 0 ||
      number > 65535) {
    return usage_error("port must be a whole number from 1 to 65535");
  }
  out.port = static_cast<std::uint16_t>(number);
  if (out.host.empty()) return usage_error("host must not be empty");
  if (user_flag->count() > 0) {
    if (user.empty() || user.find(' ') != std::string::npos) {
      return usage_error("NAME must be one word");
    }
    out.user = user;
  }
  return out;
}

}  // namespace msgapp::apps
