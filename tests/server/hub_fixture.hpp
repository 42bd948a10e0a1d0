// Test support for hub_state without sockets or timers: fake outboxes, a clock the test sets,
// and predictable private-session tokens.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <msgapp/server/hub_state.hpp>

namespace msgapp::test {

using namespace std::chrono_literals;
namespace server = msgapp::server;
namespace protocol = msgapp::protocol;
using server::conn_id;
using server::hub_state;

struct fake_sink final : server::line_sink {
  std::vector<std::string> lines;
  std::vector<server::shared_line> received;  // the very lines, to see which are shared
  std::size_t capacity = 1000;  // lines it accepts before "the client stopped reading"
  bool flushed_close = false;
  bool aborted = false;

  bool deliver(server::shared_line line) override {
    if (lines.size() >= capacity) return false;
    lines.push_back(*line);
    received.push_back(std::move(line));
    return true;
  }
  void close_after_flush() override { flushed_close = true; }
  void abort() override { aborted = true; }

  std::string last() const {
    return lines.empty() ? "" : lines.back().substr(0, lines.back().size() - 1);
  }
  bool saw(std::string_view prefix) const {
    for (const auto& l : lines)
      if (l.rfind(prefix, 0) == 0) return true;
    return false;
  }
};

inline server::moment at(std::chrono::milliseconds t) {
  return {std::chrono::steady_clock::time_point(t + 1000h),
          std::chrono::system_clock::time_point(1'700'000'000s + t)};
}

inline server::parsed_command cmd(std::string_view line) {
  return protocol::parse_command(line, protocol::limits{});
}

// token-1, token-2, ...: which offer a token belongs to is then plain in a test.
inline server::token_source counting_tokens() {
  return [n = 0]() mutable { return "token-" + std::to_string(++n); };
}

struct hub_fixture {
  hub_fixture() { spdlog::set_level(spdlog::level::off); }
  server::config cfg = [] {
    server::config c;
    c.block_duration = 10s;
    c.timeout = 60s;
    c.offline_messages = 3;
    c.private_offers = 2;
    c.private_offer_lifetime = 5s;
    return c;
  }();
  hub_state hub{
      cfg, {{"alice", "a"}, {"bob", "b"}, {"carol", "c"}, {"dave", "d"}}, counting_tokens()};
  std::map<conn_id, std::shared_ptr<fake_sink>> sinks;
  conn_id next = 1;

  std::pair<conn_id, fake_sink*> connect(std::chrono::milliseconds t = 0ms) {
    auto p = std::make_shared<fake_sink>();
    const conn_id id = next++;
    sinks[id] = p;
    REQUIRE(hub.attach(id, p, "127.0.0." + std::to_string(id), at(t)));
    return {id, p.get()};
  }
  std::pair<conn_id, fake_sink*> login(std::string user, std::chrono::milliseconds t = 0ms) {
    auto [id, p] = connect(t);
    const auto pw = user.substr(0, 1);
    REQUIRE(hub.login(id, cmd("login " + user + " " + pw), at(t)) == user);
    return {id, p};
  }
};

}  // namespace msgapp::test
