// Command-line parsing for msgserver with CLI11. Every usage error ends in a `usage:` line on
// stderr and exit status 2 (CLI11's own codes start at 100, so its errors are mapped here).
#include "options.hpp"

#include <charconv>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

namespace msgapp::apps {
namespace {

constexpr const char* usage_line =
    "usage: msgserver <port> <block_duration> <timeout> [--credentials FILE] [--bind ADDR] "
    "[--log-level LEVEL]";

// Whole numbers only: "10" yes; "-1", "1.5", "1e3", "" no.
std::optional<std::uint64_t> whole_number(const std::string& s, std::uint64_t max) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || value > max) {
    return std::nullopt;
  }
  return value;
}

int usage_error(const std::string& why) {
  std::cerr << usage_line << "\nmsgserver: " << why << "\nTry 'msgserver --help'.\n";
  return 2;
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

  constexpr std::uint64_t ten_years = 10ULL * 365 * 24 * 3600;
  const auto port_number = whole_number(port, 65535);
  if (!port_number) return usage_error("port must be a whole number from 0 to 65535");
  const auto block_s = whole_number(block, ten_years);
  if (!block_s) return usage_error("block_duration must be a whole number of seconds");
  const auto timeout_s = whole_number(timeout, ten_years);
  if (!timeout_s) return usage_error("timeout must be a whole number of seconds");

  out.config.port = static_cast<std::uint16_t>(*port_number);
  out.config.block_duration = std::chrono::seconds(*block_s);
  out.config.timeout = std::chrono::seconds(*timeout_s);
  return out;
}

}  // namespace msgapp::apps
