// msgclient's command line: what it accepts, and the exit status when it is wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "style.hpp"

namespace msgapp::apps {

struct client_options {
  std::string host;
  std::uint16_t port = 0;
  std::optional<std::string> user;       // --user: skips the `Username:` question
  std::optional<std::string> state_dir;  // --state-dir: where the offline messages shown are kept
  // --tls: the server connection is TLS, its certificate and host name checked against the
  // system's CA store, or --ca FILE; --insecure checks nothing (for testing only).
  bool tls = false;
  std::string ca_file;
  bool insecure = false;
  // How it looks on a terminal: --color auto|always|never (NO_COLOR is heeded by auto), and
  // --no-bell, which keeps direct and private messages from ringing the terminal's bell.
  colour_choice colour = colour_choice::automatic;
  bool bell = true;
  // For scripts (docs/client.md, "Scripts"): the password from --password-file FILE or the
  // MSGAPP_PASSWORD environment variable, so it is never asked for; --exit-on-error ends the
  // client (status 1) at the first failed command; --json prints JSON objects, one per line.
  std::optional<std::string> password;
  bool exit_on_error = false;
  bool json = false;
  // --reconnect / --no-reconnect: whether a lost server is reconnected to; unset, only on a
  // terminal (scripts rely on a lost server ending the client).
  std::optional<bool> reconnect;
};

// Either options to run with, or an exit status (0 after --help/--version, 2 for bad usage;
// in both cases the text has been printed already).
std::variant<client_options, int> parse_client_options(int argc, char** argv);

}  // namespace msgapp::apps
