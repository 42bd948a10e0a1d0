// Test support for the cluster scenarios: three msgserver nodes on one fresh PostgreSQL database
// and a private Redis, and line clients that talk to any node through real sockets.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <deque>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "../apps/server_process.hpp"
#include "engines.hpp"
#include "redis_server.hpp"

namespace cluster_test {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

inline constexpr int node_count = 3;
inline constexpr milliseconds lease{600};  // --lease-ms of every node
// Generous bounds for what normally takes milliseconds: they only decide how long a broken
// cluster takes to fail a test, never what a passing one asserts.
inline constexpr milliseconds cross_node_deadline = 5s;
inline constexpr milliseconds crash_deadline = 10 * lease;  // a dead node's users freed
inline constexpr milliseconds recovery_deadline = 15s;      // after an engine came back
inline constexpr milliseconds shutdown_deadline = 3s;       // SIGTERM to exit
// How long a line that must not come is waited for; short, as it is waited in full.
inline constexpr milliseconds quiet_window = 1s;

inline const std::vector<std::string> cluster_users{"alice", "bob", "carol",
                                                    "dave",  "eve", "frank"};
inline std::string password_of(const std::string& user) {
  return user + "-pw";
}

// "n" + std::to_string(i), written as an append: g++ 12 at -O3 warns wrongly on the operator+
// form (-Wstringop-overflow, GCC PR 105651).
inline std::string numbered(std::string prefix, int i) {
  prefix += std::to_string(i);
  return prefix;
}

// One connection to one node. Lines read while looking for another are kept, so an expect()
// for one line never loses a reply or an event that a later call looks for.
class line_client {
 public:
  line_client(std::string label, std::uint16_t port)
      : label_(std::move(label)), tcp_(std::make_unique<msgapp::test::tcp_client>(port)) {
    const auto hello = next_line(cross_node_deadline);
    INFO(label_ << ": greeting");
    REQUIRE(hello == "hello msgapp 2");
  }

  const std::string& label() const { return label_; }

  void send(const std::string& line) {
    INFO(label_ << " sends: " << line);
    REQUIRE(tcp_->send_line(line));
  }

  // The oldest line not yet taken; nothing at the deadline or once the node has closed.
  std::optional<std::string> next_line(milliseconds timeout = cross_node_deadline) {
    if (!kept_.empty()) {
      std::string line = std::move(kept_.front());
      kept_.pop_front();
      return line;
    }
    return tcp_->read_line(timeout);
  }

  // The oldest line not yet taken that contains `needle`; lines passed over are kept.
  std::optional<std::string> expect(std::string_view needle,
                                    milliseconds timeout = cross_node_deadline) {
    if (auto line = take_kept(needle)) return line;
    const auto deadline = clock_type::now() + timeout;
    while (clock_type::now() < deadline) {
      auto line = tcp_->read_line(left(deadline));
      if (!line) break;
      if (line->find(needle) != std::string::npos) return line;
      kept_.push_back(std::move(*line));
    }
    return std::nullopt;
  }

  // The next reply (`ok ...` or `error ...`); events before it are kept.
  std::optional<std::string> reply(milliseconds timeout = cross_node_deadline) {
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      if (is_reply(*it)) {
        std::string line = std::move(*it);
        kept_.erase(it);
        return line;
      }
    }
    const auto deadline = clock_type::now() + timeout;
    while (clock_type::now() < deadline) {
      auto line = tcp_->read_line(left(deadline));
      if (!line) break;
      if (is_reply(*line)) return line;
      kept_.push_back(std::move(*line));
    }
    return std::nullopt;
  }

  // True if no line containing `needle` comes within `window` (other lines are kept).
  bool silent_about(std::string_view needle, milliseconds window = quiet_window) {
    for (const auto& line : kept_) {
      if (line.find(needle) != std::string::npos) return false;
    }
    return !expect(needle, window);
  }

  // Sends `command` and returns its reply.
  std::optional<std::string> ask(const std::string& command,
                                 milliseconds timeout = cross_node_deadline) {
    send(command);
    return reply(timeout);
  }

 private:
  static bool is_reply(const std::string& line) {
    return line.rfind("ok", 0) == 0 || line.rfind("error", 0) == 0;
  }
  static milliseconds left(clock_type::time_point deadline) {
    return std::max(milliseconds{1}, std::chrono::ceil<milliseconds>(deadline - clock_type::now()));
  }
  std::optional<std::string> take_kept(std::string_view needle) {
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      if (it->find(needle) != std::string::npos) {
        std::string line = std::move(*it);
        kept_.erase(it);
        return line;
      }
    }
    return std::nullopt;
  }

  std::string label_;
  std::unique_ptr<msgapp::test::tcp_client> tcp_;
  std::deque<std::string> kept_;  // bounded by what a test reads: each test reads a few thousand
};

// Three nodes (1..3) in cluster mode, each on port 0, all started in one directory (cluster mode
// opens no data directory there), sharing a fresh database and this test's own Redis.
class cluster {
 public:
  // `extra`: more msgserver options for every node, after the cluster ones.
  explicit cluster(std::vector<std::string> extra = {}) : extra_(std::move(extra)) {
    std::string accounts;
    for (const auto& user : cluster_users)
      accounts += user + " " + password_of(user) + "\n";
    credentials_ = dir_.write("credentials.txt", accounts);
    for (int node = 1; node <= node_count; ++node)
      start(node);
  }
  ~cluster() {
    if (std::uncaught_exceptions() > 0) show_logs();  // a REQUIRE failed: say what nodes said
    for (auto& n : nodes_)
      n.proc.reset();  // the nodes go before Redis and their directory
  }
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  static std::string node_id(int node) { return numbered("node", node); }

  // The arguments of node `node` (1..3): block 60 s, time-out 600 s, the lease of the tests.
  std::vector<std::string> args(int node) const {
    std::vector<std::string> a{"0",
                               "60",
                               "600",
                               "--cluster",
                               "--node-id",
                               node_id(node),
                               "--redis",
                               redis_.url(),
                               "--postgres",
                               database_,
                               "--lease-ms",
                               std::to_string(lease.count()),
                               "--credentials",
                               credentials_,
                               "--bind",
                               "127.0.0.1",
                               "--log-level",
                               "warn"};  // little on stderr: its pipe is read only at the end
    a.insert(a.end(), extra_.begin(), extra_.end());
    return a;
  }

  // (Re)starts node `node` and waits until it listens.
  void start(int node) {
    INFO("starting " << node_id(node) << " (msgserver in cluster mode)");
    at(node).start(args(node), dir_.str());
  }

  // SIGKILL, as a crash would: no logout, no lease released. Returns once it is reaped.
  void kill(int node) {
    REQUIRE(at(node).proc);
    at(node).kill();
  }

  std::uint16_t port(int node) const { return at(node).port; }
  redis_server& redis() { return redis_; }

  // Stops the nodes still running (SIGTERM) and prints the end of what each wrote on stderr,
  // for the log of a failed test.
  void show_logs() {
    constexpr std::size_t tail = 4096;
    for (int node = 1; node <= node_count; ++node) {
      auto& p = nodes_[static_cast<std::size_t>(node - 1)].proc;  // no REQUIRE: a destructor
      if (!p) continue;
      p->signal(SIGTERM);
      p->wait(shutdown_deadline);  // reads its output to the end
      const auto& err = p->err();
      std::cerr << "---- " << node_id(node) << " stderr (last " << tail << " bytes):\n"
                << (err.size() > tail ? err.substr(err.size() - tail) : err) << "\n";
    }
  }

  // A connection to node `node` that has read the greeting.
  std::unique_ptr<line_client> connect(int node, const std::string& label) const {
    return std::make_unique<line_client>(label + "@" + node_id(node), port(node));
  }

  // `user` logged in on node `node`.
  std::unique_ptr<line_client> login(int node, const std::string& user) const {
    auto c = connect(node, user);
    const auto welcome = c->ask("login " + user + " " + password_of(user));
    INFO(c->label() << " logs in");
    REQUIRE(welcome == "ok welcome " + user);
    return c;
  }

  // `user` logged in on node `node` once the node takes logins again (after an engine came
  // back), trying again until the deadline; the last refusal says why if it never does.
  std::unique_ptr<line_client> login_eventually(int node, const std::string& user,
                                                milliseconds timeout = recovery_deadline) const {
    const auto deadline = clock_type::now() + timeout;
    std::optional<std::string> last;
    for (;;) {
      auto c = connect(node, user);
      last = c->ask("login " + user + " " + password_of(user));
      if (last == "ok welcome " + user) return c;
      if (clock_type::now() >= deadline) break;
      std::this_thread::sleep_for(lease / 4);  // a poll with a deadline, not a measurement
    }
    INFO(user << " could not log in on " << node_id(node) << " within " << timeout.count()
              << " ms; last reply: " << last.value_or("(none)"));
    FAIL("no login");
    return nullptr;
  }

 private:
  msgapp::test::server_process& at(int node) {
    REQUIRE(node >= 1);
    REQUIRE(node <= node_count);
    return nodes_[static_cast<std::size_t>(node - 1)];
  }
  const msgapp::test::server_process& at(int node) const {
    REQUIRE(node >= 1);
    REQUIRE(node <= node_count);
    return nodes_[static_cast<std::size_t>(node - 1)];
  }

  std::vector<std::string> extra_;
  msgapp::test::temp_dir dir_{"msgapp-cluster"};
  std::string credentials_;
  std::string database_ = fresh_database();
  redis_server redis_;
  std::array<msgapp::test::server_process, node_count> nodes_;
};

}  // namespace cluster_test
