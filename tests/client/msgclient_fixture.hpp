// Test support for msgclient_tests: a real msgserver with test accounts, real msgclients on
// pipes, and waiting for their lines with deadlines.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace msgapp::test {

using namespace std::chrono_literals;
using client_ptr = std::unique_ptr<child_process>;

inline const std::string client_path = MSGCLIENT_PATH;
inline const std::string server_path = MSGSERVER_PATH;

// The accounts every test server has; passwords are `<name>-pw`.
inline std::string password_of(const std::string& user) {
  return user + "-pw";
}

// Every msgclient these tests start keeps what it has shown in a directory of the tests' own,
// never in the home directory of whoever runs them.
inline const bool state_home_is_private = [] {
  static const temp_dir state_home;
  ::setenv("XDG_STATE_HOME", state_home.str().c_str(), 1);
  return true;
}();

// A credentials file that lasts as long as the test.
class credentials_file {
 public:
  credentials_file() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "msgclient-test-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = pattern;
    std::ofstream out(path_);
    for (const char* user : {"alice", "bob", "carol", "dave"}) {
      out << user << ' ' << password_of(user) << '\n';
    }
  }
  ~credentials_file() { std::remove(path_.c_str()); }
  credentials_file(const credentials_file&) = delete;
  credentials_file& operator=(const credentials_file&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// msgserver on 127.0.0.1 at a port the system picks, with a database of its own that lasts as
// long as the test (never the shared msgapp-data/ of the working directory).
class server_process {
 public:
  explicit server_process(int block_seconds = 60, int timeout_seconds = 600)
      : proc_(server_path, {"0", std::to_string(block_seconds), std::to_string(timeout_seconds),
                            "--credentials", accounts_.path(), "--bind", "127.0.0.1", "--log-level",
                            "warn", "--data-dir", data_.str()}) {
    const auto listening = proc_.expect("listening on ");
    REQUIRE(listening.has_value());
    port_ = listening->substr(listening->rfind(':') + 1);
  }

  const std::string& port() const { return port_; }
  child_process& proc() { return proc_; }

 private:
  credentials_file accounts_;
  temp_dir data_;
  child_process proc_;
  std::string port_;
};

// These tests read what a person sees: in pipe mode msgclient writes its errors to stderr,
// so stderr joins stdout here, in the order written (msgclient_script_tests.cpp checks the
// two apart).
inline constexpr child_stderr as_seen = child_stderr::with_stdout;

inline client_ptr start_client(const server_process& srv, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"127.0.0.1", srv.port()};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<child_process>(client_path, args, std::string(), as_seen);
}

// Waits for a line containing `needle`; fails the test (showing all output) when none comes.
inline std::string wait_for(child_process& c, std::string_view needle) {
  const auto line = c.expect(needle);
  INFO("waiting for: " << needle << "\noutput so far:\n" << c.out() << "\nstderr:\n" << c.err());
  REQUIRE(line.has_value());
  return *line;
}

// Answers both login questions and waits for the welcome.
inline client_ptr logged_in(const server_process& srv, const std::string& user) {
  auto c = start_client(srv);
  c->type(user);
  c->type(password_of(user));
  wait_for(*c, "welcome");
  return c;
}

// Waits for the child to end. msgclient writes nothing to stderr unless its arguments are
// wrong (a sanitizer report would land there too).
inline int exit_status(child_process& c, bool stderr_expected = false) {
  const auto status = c.wait();
  INFO("output:\n" << c.out() << "\nstderr:\n" << c.err());
  REQUIRE(status.has_value());
  if (!stderr_expected) CHECK(c.err().empty());
  return *status;
}

// Every line that mentions an error starts with `error:`; nothing is printed to stderr.
inline void check_error_lines(const child_process& c) {
  std::istringstream lines(c.out());
  for (std::string line; std::getline(lines, line);) {
    if (line.find("error") == std::string::npos || line.find("(private)") != std::string::npos) {
      continue;
    }
    INFO(line);
    CHECK(line.rfind("error: ", 0) == 0);
  }
  CHECK(c.err().empty());
}

// Opens a private session from `asker` to `peer` and waits until both say it is up.
inline void open_private(child_process& asker, const std::string& asker_name, child_process& peer,
                         const std::string& peer_name) {
  // The peer's client announced its private port before login (issue 13); a reply to a
  // command also proves the peer is fully through its login dialogue.
  peer.type("whoelse");
  wait_for(peer, "online now:");
  asker.type("startprivate " + peer_name);
  wait_for(asker, "private session with " + peer_name + " requested");
  wait_for(asker, "private session with " + peer_name + " started");
  wait_for(peer, "private session with " + asker_name + " started");
}

}  // namespace msgapp::test
