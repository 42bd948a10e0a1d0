// The command-line conventions of every msgapp program: --help and --version exit 0, and every
// usage error prints the usage line, the reason and a hint on stderr, and exits 2 (CLI11's own
// exit codes start at 100, so its errors are mapped here).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <CLI/CLI.hpp>

namespace msgapp::cli {

struct program {
  std::string_view name;        // "msgserver"
  std::string_view usage_line;  // "usage: msgserver <port> ..."
};

// Prints the usage line and `why`; returns the exit status for bad usage (2).
int usage_error(const program& p, std::string_view why);

// Parses the command line into `app`'s options. Nothing when the program should go on;
// otherwise the exit status, with the help, version or usage error already printed.
std::optional<int> parse(CLI::App& app, int argc, char** argv, const program& p);

// Whole numbers only, up to `max`: "10" yes; "-1", "1.5", "1e3", "" no.
std::optional<std::uint64_t> whole_number(std::string_view s, std::uint64_t max);

}  // namespace msgapp::cli
