// Test support for hub_state without sockets or timers: fake outboxes, a clock the test sets,
// predictable private-session tokens, and a real (in-memory) SQLite store that the fixture
// applies by hand, as the store thread would, after each call.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <msgapp/server/hub_state.hpp>
#include <msgapp/store/sqlite.hpp>

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
  std::vector<std::function<void()>> when_written_calls;  // the fixture runs them: all is read

  bool deliver(server::shared_line line) override {
    if (lines.size() >= capacity) return false;
    lines.push_back(*line);
    received.push_back(std::move(line));
    return true;
  }
  void close_after_flush() override { flushed_close = true; }
  void abort() override { aborted = true; }
  void when_written(std::function<void()> ready) override {
    when_written_calls.push_back(std::move(ready));
  }

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

inline std::unique_ptr<msgapp::store::backend> memory_store() {
  msgapp::store::sqlite_options o;
  o.in_memory = true;
  auto db = msgapp::store::open_sqlite(o);
  REQUIRE(db.has_value());
  return std::move(*db);
}

struct hub_fixture;

// hub_state's entry points, each followed by settle(): the store answers at once, so a test
// reads the replies that wait for a commit right after the call. Tests of the waiting itself
// use `state` and settle() directly.
struct settling_hub {
  hub_fixture& f;
  bool attach(conn_id id, std::shared_ptr<server::line_sink> out, std::string address,
              server::moment now);
  std::optional<std::string> login(conn_id id, const server::parsed_command& c, server::moment now);
  void command(conn_id id, server::parsed_command c, server::moment now);
  void detach(conn_id id, std::string_view reason, server::moment now);
  void sweep(server::moment now);
  void shut_down(server::moment now);
  bool finished() const;
};

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
  std::unique_ptr<msgapp::store::backend> db = memory_store();
  std::vector<msgapp::store::batch> submitted;  // handed to the store, not yet applied
  hub_state state{cfg,
                  {{"alice", "a"}, {"bob", "b"}, {"carol", "c"}, {"dave", "d"}},
                  counting_tokens(),
                  server::store_link{db->load(0).value(),
                                     [this](msgapp::store::batch b) {
                                       submitted.push_back(std::move(b));
                                     }},
                  at(0ms)};
  settling_hub hub{*this};
  std::map<conn_id, std::shared_ptr<fake_sink>> sinks;
  conn_id next = 1;

  // Applies every batch handed over and runs every when_written callback (the clients read
  // everything), until nothing is left: the state a real server reaches a moment later.
  void settle(server::moment now) {
    for (;;) {
      bool ran = false;
      for (auto& [id, sink] : sinks) {
        for (auto& ready : std::exchange(sink->when_written_calls, {})) {
          ready();
          ran = true;
        }
      }
      if (submitted.empty()) {
        if (!ran) return;
        continue;
      }
      auto batches = std::exchange(submitted, {});
      state.committed(db->apply(batches), now);
    }
  }

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

inline bool settling_hub::attach(conn_id id, std::shared_ptr<server::line_sink> out,
                                std::string address, server::moment now) {
  const bool ok = f.state.attach(id, std::move(out), std::move(address), now);
  return ok;
}
inline std::optional<std::string> settling_hub::login(conn_id id, const server::parsed_command& c,
                                                      server::moment now) {
  auto user = f.state.login(id, c, now);
  f.settle(now);
  return user;
}
inline void settling_hub::command(conn_id id, server::parsed_command c, server::moment now) {
  f.state.command(id, std::move(c), now);
  f.settle(now);
}
inline void settling_hub::detach(conn_id id, std::string_view reason, server::moment now) {
  f.state.detach(id, reason, now);
  f.settle(now);
}
inline void settling_hub::sweep(server::moment now) {
  f.state.sweep(now);
  f.settle(now);
}
inline void settling_hub::shut_down(server::moment now) {
  f.state.shut_down(now);
  f.settle(now);
}
inline bool settling_hub::finished() const {
  return f.state.finished();
}

}  // namespace msgapp::test
