// Command-line parsing for msgclient with CLI11, by the conventions of msgapp/cli (exit 2 for
// bad usage).
#include "options.hpp"

#include <cstdlib>
#include <fstream>

#include <tl/expected.hpp>

#include <msgapp/cli/command_line.hpp>

namespace msgapp::apps {
namespace {

// The options added since (--state-dir, --tls, --ca, --insecure) are in --help: scripts and
// tests match this line as it is.
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
    "Offline messages are shown once, also when msgclient or the server stops half-way:\n"
    "msgclient notes the last one shown for each server database and user in the file\n"
    "$XDG_STATE_HOME/msgapp/shown (~/.local/state/msgapp/shown when XDG_STATE_HOME is not\n"
    "set), or DIR/shown with --state-dir DIR, and tells the server, which then deletes them.\n"
    "\n"
    "With --tls the connection to the server is TLS: msgclient checks that the server's\n"
    "certificate is valid for <host> and signed by a CA of the system's store, or of FILE with\n"
    "--ca FILE (a server with a self-signed certificate). --insecure checks nothing, so anyone\n"
    "on the path could read your password: it is for testing only.\n"
    "\n"
    "On a terminal, names and kinds of lines are coloured (--color never turns that off, and\n"
    "so does the NO_COLOR environment variable; --color always colours a pipe too), a direct\n"
    "or private message rings the bell (--no-bell), long lines wrap at word boundaries, and\n"
    "Ctrl-C clears a half-typed line (on an empty line it logs out).\n"
    "\n"
    "Scripts: when input is not a terminal, errors go to stderr and the rest to stdout.\n"
    "--password-file FILE (or the MSGAPP_PASSWORD environment variable, less safe: other\n"
    "users may see it) gives the password, so stdin need not hold it; --exit-on-error ends\n"
    "the client with status 1 at the first failed command; --json prints one JSON object per\n"
    "line for every event and reply (docs/client.md, \"Scripts\").\n"
    "\n"
    "On a terminal, msgclient connects once the password is typed, and when the connection\n"
    "to the server is lost it connects and logs in again, with growing pauses, while you go on\n"
    "typing (--no-reconnect: it does not). Through a pipe it does not, unless --reconnect.\n"
    "\n"
    "Exit status: 0 after logout or end of input; 1 when the login fails (blocked, already\n"
    "online), the server times you out, or the connection to the server is lost; 2 for bad\n"
    "arguments.";

constexpr cli::program msgclient{"msgclient", usage_line};

// The password file's first line is the password; longer than this is surely the wrong file.
constexpr std::size_t max_password_file_line = 1024;
// The less safe way to give it: other users may see a process's environment.
constexpr const char* password_variable = "MSGAPP_PASSWORD";

int usage_error(std::string_view why) {
  return cli::usage_error(msgclient, why);
}

// The first line of `path` without its line end, or why there is none to take.
tl::expected<std::string, std::string> first_line_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected<std::string>("cannot read FILE");
  std::string line;
  for (char c; line.size() <= max_password_file_line && in.get(c) && c != '\n';)
    line += c;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.size() > max_password_file_line) {
    return tl::unexpected<std::string>("the first line of FILE is too long");
  }
  if (line.empty()) return tl::unexpected<std::string>("FILE holds no password on its first line");
  return line;
}

}  // namespace

std::variant<client_options, int> parse_client_options(int argc, char** argv) {
  client_options out;
  std::string port;
  std::string user;
  std::string state_dir;
  CLI::App app{description};
  app.add_option("host", out.host, "the server's host name or address")->required();
  app.add_option("port", port, "the server's TCP port")->required();
  auto* user_flag = app.add_option("--user", user, "log in as NAME (only the password is asked)")
                        ->type_name("NAME");
  auto* state_flag = app.add_option("--state-dir", state_dir,
                                    "keep the record of offline messages shown in DIR (default: "
                                    "$XDG_STATE_HOME/msgapp, or ~/.local/state/msgapp)")
                         ->type_name("DIR");
  auto* tls_flag = app.add_flag("--tls", out.tls, "connect over TLS, checking the certificate");
  auto* ca_flag = app.add_option("--ca", out.ca_file,
                                 "with --tls: trust the CA certificates in FILE (PEM) instead of "
                                 "the system's")
                      ->type_name("FILE")
                      ->needs(tls_flag);
  app.add_flag("--insecure", out.insecure,
               "with --tls: check neither certificate nor host name (for testing only)")
      ->needs(tls_flag)
      ->excludes(ca_flag);
  // How it looks on a terminal.
  std::string colour = "auto";
  app.add_option("--color", colour,
                 "colour the names and kinds of lines: auto (on a terminal, unless NO_COLOR is "
                 "set), always (also into a pipe) or never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  bool no_bell = false;
  app.add_flag("--no-bell", no_bell,
               "do not ring the terminal's bell for direct and private messages");

  std::string password_file;
  auto* password_flag =
      app.add_option("--password-file", password_file,
                     "log in with the password on the first line of FILE (never asked for); "
                     "else $MSGAPP_PASSWORD if set (less safe: others may see the environment)")
          ->type_name("FILE");
  app.add_flag("--exit-on-error", out.exit_on_error,
               "end with status 1 at the first command that fails");
  app.add_flag("--json", out.json, "print one JSON object per line for every event and reply");
  bool reconnect = false;
  bool no_reconnect = false;
  auto* reconnect_flag = app.add_flag("--reconnect", reconnect,
                                      "connect and log in again when the server is lost (the "
                                      "default on a terminal)");
  app.add_flag("--no-reconnect", no_reconnect,
               "end when the server is lost (the default through a pipe)")
      ->excludes(reconnect_flag);
  app.set_version_flag("--version", std::string("msgclient ") + MSGAPP_VERSION);

  if (const auto status = cli::parse(app, argc, argv, msgclient)) return *status;

  const auto number = cli::whole_number(port, 65535);
  if (!number || *number == 0) return usage_error("port must be a whole number from 1 to 65535");
  out.port = static_cast<std::uint16_t>(*number);
  if (out.host.empty()) return usage_error("host must not be empty");
  if (user_flag->count() > 0) {
    if (user.empty() || user.find(' ') != std::string::npos) {
      return usage_error("NAME must be one word");
    }
    out.user = user;
  }
  if (ca_flag->count() > 0 && out.ca_file.empty()) return usage_error("FILE must not be empty");
  out.colour = colour == "always"  ? colour_choice::always
               : colour == "never" ? colour_choice::never
                                   : colour_choice::automatic;
  out.bell = !no_bell;
  if (state_flag->count() > 0) {
    if (state_dir.empty()) return usage_error("DIR must not be empty");
    out.state_dir = state_dir;
  }
  if (password_flag->count() > 0) {
    if (password_file.empty()) return usage_error("FILE must not be empty");
    auto read = first_line_of(password_file);
    if (!read) return usage_error(read.error() + ": " + password_file);
    out.password = std::move(*read);
  } else if (const char* given = std::getenv(password_variable); given && *given) {
    out.password = given;
  }
  if (reconnect) out.reconnect = true;
  if (no_reconnect) out.reconnect = false;
  return out;
}

}  // namespace msgapp::apps
