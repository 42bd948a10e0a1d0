// Test support for the redis tests: a run loop with a limit, a blocking call, and clients and
// subscribers that record their states and messages.
#pragma once

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <msgapp/net.hpp>
#include <msgapp/redis/client.hpp>
#include <msgapp/redis/subscriber.hpp>

namespace redis_test {

using namespace std::chrono_literals;
namespace net = msgapp::net;
namespace redis = msgapp::redis;
using kind = redis::reply::kind;
using clock_type = std::chrono::steady_clock;

// The clients log their losses and redials; MSGAPP_TEST_LOG=info shows them.
inline const bool quiet_logs = [] {
  const char* level = std::getenv("MSGAPP_TEST_LOG");
  spdlog::set_level(level ? spdlog::level::from_str(level) : spdlog::level::off);
  return true;
}();

inline redis::endpoint where(const std::string& url) {
  auto e = redis::parse_url(url);
  REQUIRE(e.has_value());
  return *e;
}

// Runs handlers until `done()` holds; false if `limit` passes first (a hang is a failure).
template <typename Pred>
inline bool run_until(net::io_context& io, Pred done, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = clock_type::now() + limit;
  while (!done()) {
    if (clock_type::now() >= deadline) return false;
    io.restart();
    io.run_one_for(10ms);
  }
  return true;
}

inline redis::result call(net::io_context& io, redis::client& c, std::vector<std::string> args) {
  std::optional<redis::result> got;
  c.command(std::move(args), [&](redis::result r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  return std::move(*got);
}

inline redis::reply must(redis::result r) {
  INFO((r ? redis::to_string(*r) : r.error()));
  REQUIRE(r.has_value());
  return std::move(*r);
}

// A started client with its connection states recorded.
struct client_fixture {
  explicit client_fixture(net::io_context& io, const std::string& url,
                          redis::client_options opts = {})
      : c(io.get_executor(), where(url), opts) {
    c.on_state([this](bool up) { states.push_back(up); });
    c.start();
  }
  redis::client c;
  std::vector<bool> states;
};

// A started subscriber with its messages ("channel:payload") and states recorded.
struct subscriber_fixture {
  subscriber_fixture(net::io_context& io, const std::string& url, std::vector<std::string> channels)
      : s(io.get_executor(), where(url)) {
    s.on_message([this](std::string_view ch, std::string_view payload) {
      messages.push_back(std::string(ch) + ":" + std::string(payload));
    });
    s.on_state([this](bool up) { states.push_back(up); });
    s.subscribe(std::move(channels));
    s.start();
  }
  bool subscribed() const { return !states.empty() && states.back(); }
  redis::subscriber s;
  std::vector<std::string> messages;
  std::vector<bool> states;
};

}  // namespace redis_test
