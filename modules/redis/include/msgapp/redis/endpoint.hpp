// Where a Redis server listens: parsed from "redis://HOST[:PORT]" or "unix:PATH".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace msgapp::redis {

// Either host and port (TCP), or unix_path (a Unix socket) when that is not empty.
struct endpoint {
  std::string host;
  std::uint16_t port = 6379;
  std::string unix_path;
};

// "redis://HOST:PORT" (PORT optional, IPv6 hosts in brackets) or "unix:PATH"; anything else
// is an error that says what was expected.
tl::expected<endpoint, std::string> parse_url(std::string_view url);

// The URL form again ("redis://HOST:PORT" or "unix:PATH"), for logs and errors.
std::string to_string(const endpoint& where);

}  // namespace msgapp::redis
