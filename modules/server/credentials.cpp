// Reads and checks credentials.txt. Passwords are never logged or echoed in errors.
#include "msgapp/server/credentials.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "msgapp/protocol/text_rules.hpp"

namespace msgapp::server {

tl::expected<credentials, std::string> parse_credentials(std::string_view text,
                                                         std::string_view file_name,
                                                         const protocol::limits& lim) {
  credentials accounts;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    line.remove_prefix(first);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);

    const auto gap = line.find_first_of(" \t");
    const auto fail = [&](std::string_view why) {
      return tl::unexpected(fmt::format("{}:{}: {}", file_name, line_no, why));
    };
    if (gap == std::string_view::npos) return fail("expected `username password`");
    const auto name = line.substr(0, gap);
    auto password = line.substr(gap);
    password.remove_prefix(password.find_first_not_of(" \t"));
    if (!protocol::is_valid_name(name, lim)) {
      return fail(
          fmt::format("bad user name '{}' (1 to {} of A-Z a-z 0-9 _ . -)", name, lim.max_name));
    }
    if (!protocol::is_valid_password(password, lim)) {
      return fail(
          fmt::format("bad password for '{}' (1 to {} bytes, no spaces)", name, lim.max_password));
    }
    if (!accounts.emplace(std::string(name), std::string(password)).second) {
      return fail(fmt::format("user '{}' is listed twice", name));
    }
  }
  if (accounts.empty()) return tl::unexpected(fmt::format("{}: no users", file_name));
  return accounts;
}

tl::expected<credentials, std::string> load_credentials(const std::string& path,
                                                        const protocol::limits& lim) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected(fmt::format("{}: cannot open the credentials file", path));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_credentials(text.str(), path, lim);
}

}  // namespace msgapp::server
