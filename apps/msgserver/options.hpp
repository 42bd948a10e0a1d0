// msgserver's command line: what it accepts, and the exit status when it is wrong.
#pragma once

#include <string>
#include <variant>

#include <msgapp/server/config.hpp>
#include <msgapp/server/credentials.hpp>
#include <msgapp/store/sqlite.hpp>

namespace msgapp::apps {

struct server_options {
  server::config config;
  store::sqlite_options store;  // msgapp-data/ in the working directory unless told otherwise
  std::string postgres;  // cluster mode (config.cluster_node set): the shared database's conninfo
  std::string credentials_path = "credentials.txt";
  std::size_t credentials_bytes = server::default_credentials_bytes;  // --credentials-mb
  std::string log_level = "info";
};

// Either options to run with, or an exit status (0 after --help/--version, 2 for bad usage;
// in both cases the text has been printed already).
std::variant<server_options, int> parse_server_options(int argc, char** argv);

}  // namespace msgapp::apps
