// Parsing and printing Redis URLs.
#include "msgapp/redis/endpoint.hpp"

#include <charconv>

#include <fmt/format.h>

namespace msgapp::redis {
namespace {

tl::unexpected<std::string> bad_url(std::string_view url, std::string_view why) {
  return tl::unexpected(
      fmt::format("bad redis URL '{}': {} (expected redis://HOST[:PORT] or unix:PATH)", url, why));
}

}  // namespace

tl::expected<endpoint, std::string> parse_url(std::string_view url) {
  constexpr std::string_view unix_scheme = "unix:";
  constexpr std::string_view redis_scheme = "redis://";
  endpoint where;
  if (url.starts_with(unix_scheme)) {
    where.unix_path = std::string(url.substr(unix_scheme.size()));
    if (where.unix_path.empty()) return bad_url(url, "no socket path");
    return where;
  }
  if (!url.starts_with(redis_scheme)) return bad_url(url, "unknown scheme");
  std::string_view rest = url.substr(redis_scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/@?") != std::string_view::npos) {
    return bad_url(url, "only a host and a port are supported");
  }
  std::string_view host = rest;
  std::string_view port;
  if (rest.starts_with('[')) {  // [IPv6]:PORT
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad_url(url, "unclosed '['");
    host = rest.substr(1, close - 1);
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(url, "junk after ']'");
      port = after.substr(1);
      if (port.empty()) return bad_url(url, "empty port");
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) return bad_url(url, "empty port");
    if (host.find(':') != std::string_view::npos) return bad_url(url, "IPv6 hosts need [ ]");
  }
  if (host.empty()) return bad_url(url, "no host");
  where.host = std::string(host);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad_url(url, fmt::format("bad port '{}'", port));
    }
    where.port = static_cast<std::uint16_t>(value);
  }
  return where;
}

std::string to_string(const endpoint& where) {
  if (!where.unix_path.empty()) return "unix:" + where.unix_path;
  if (where.host.find(':') != std::string::npos) {
    return fmt::format("redis://[{}]:{}", where.host, where.port);
  }
  return fmt::format("redis://{}:{}", where.host, where.port);
}

}  // namespace msgapp::redis
