// The shared command-line conventions: CLI11's outcomes mapped to exit statuses 0 and 2.
#include "msgapp/cli/command_line.hpp"

#include <charconv>
#include <iostream>

namespace msgapp::cli {

int usage_error(const program& p, std::string_view why) {
  std::cerr << p.usage_line << '\n'
            << p.name << ": " << why << "\nTry '" << p.name << " --help'.\n";
  return 2;
}

std::optional<int> parse(CLI::App& app, int argc, char** argv, const program& p) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(p, e.what());
  }
  return std::nullopt;
}

std::optional<std::uint64_t> whole_number(std::string_view s, std::uint64_t max) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || value > max) {
    return std::nullopt;
  }
  return value;
}

}  // namespace msgapp::cli
