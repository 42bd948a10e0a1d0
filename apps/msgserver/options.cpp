// Command-line parsing for msgserver with CLI11, by the conventions of msgapp/cli (exit 2 for
// bad usage).
#include "options.hpp"

#include <msgapp/cli/command_line.hpp>

namespace msgapp::apps {
namespace {

constexpr const char* usage_line =
    "usage: msgserver <port> <block_duration> <timeout> [--credentials FILE] [--bind ADDR] "
    "[--log-level LEVEL]";

constexpr cli::program msgserver{"msgserver", usage_line};

int usage_error(std::string_view why) {
  return cli::usage_error(msgserver, why);
}

}  // namespace

std::variant<server_options, int> parse_server_options(int argc, char** argv) {
  server_options out;
  std::string port, block, timeout;
  CLI::App app{
      "msgserver: the msgapp chat server. Users log in with the names and passwords of the\n"
      "credentials file; see docs/protocol.md for what clients can say."};
  app.add_option("port", port, "TCP port to listen on (0: the system picks one)")->required();
  app.add_option("block_duration", block,
                 "seconds a user name stays blocked after 3 wrong passwords in a row")
      ->required();
  app.add_option("timeout", timeout,  // not protocol: the argument's name
                 "seconds without a command before a user is logged out (0: never)")
      ->required();
  app.add_option("--credentials", out.credentials_path,
                 "accounts file, one `username password` per line")
      ->capture_default_str();
  app.add_option("--bind", out.config.bind_address, "address to listen on")->capture_default_str();
  app.add_option("--log-level", out.log_level,
                 "trace, debug, info, warn, error or off (logs go to stderr)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))  // not protocol
      ->capture_default_str();
  app.set_version_flag("--version", std::string("msgserver ") + MSGAPP_VERSION);

  if (const auto status = cli::parse(app, argc, argv, msgserver)) return *status;

  constexpr std::uint64_t ten_years = 10ULL * 365 * 24 * 3600;
  const auto port_number = cli::whole_number(port, 65535);
  if (!port_number) return usage_error("port must be a whole number from 0 to 65535");
  const auto block_s = cli::whole_number(block, ten_years);
  if (!block_s) return usage_error("block_duration must be a whole number of seconds");
  const auto timeout_s = cli::whole_number(timeout, ten_years);
  if (!timeout_s) return usage_error("timeout must be a whole number of seconds");

  out.config.port = static_cast<std::uint16_t>(*port_number);
  out.config.block_duration = std::chrono::seconds(*block_s);
  out.config.timeout = std::chrono::seconds(*timeout_s);
  return out;
}

}  // namespace msgapp::apps
