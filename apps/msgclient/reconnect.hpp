// Getting back to a lost server: tries again and again, with growing pauses, until one works.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <msgapp/client/client.hpp>
#include <msgapp/net.hpp>

#include "output.hpp"

namespace msgapp::apps {

// The pause after the first failed try, doubled after each one up to the longest: a server
// that restarts is back soon, and one that is down for long is not hammered.
inline constexpr std::chrono::milliseconds first_retry_pause{1'000};
inline constexpr std::chrono::milliseconds longest_retry_pause{30'000};

std::chrono::milliseconds next_retry_pause(std::chrono::milliseconds pause);

// What one try to connect and log in again came to.
struct reconnect_try {
  enum class outcome {
    logged_in,    // `server` is logged in with the credentials the user gave
    unreachable,  // no connection, or a server too busy to log us in now: try again later
    refused,      // the server refused the login (password changed, name blocked...): stop
  };
  outcome what = outcome::unreachable;
  std::optional<client::client> server;
  std::string why;  // unreachable or refused: for people
};

using reconnect_attempt = std::function<awaitable<reconnect_try>()>;

// Tries at once, then after each pause, saying through `out` how each try went, until a try logs
// in (its server is returned) or is refused (said why; nothing returned). Also nothing when
// cancelled: the user is leaving.
awaitable<std::optional<client::client>> reconnect(output& out, reconnect_attempt attempt);

}  // namespace msgapp::apps
