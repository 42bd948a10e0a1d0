// Test support for the black-box tests of msgserver: temporary directories, a blocking TCP
// client with deadlines, and msgserver child processes waited on until they listen.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/child_process.hpp"
#include "../support/temp_dir.hpp"

namespace msgapp::test {

using namespace std::chrono_literals;
using process = child_process;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

inline const std::string server_path = MSGSERVER_PATH;

// Generous bounds for things that normally take milliseconds (sanitizer builds are slower);
// they only decide how long a broken server takes to fail a test.
inline constexpr milliseconds start_deadline = 10s;
inline constexpr milliseconds io_deadline = 2s;

// The whole content of a file (empty if it cannot be read).
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A plain blocking TCP client on 127.0.0.1 whose reads have deadlines.
class tcp_client {
 public:
  explicit tcp_client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      const int e = errno;
      ::close(fd_);
      throw std::system_error(e, std::generic_category(), "connect");
    }
  }
  ~tcp_client() { ::close(fd_); }
  tcp_client(const tcp_client&) = delete;
  tcp_client& operator=(const tcp_client&) = delete;

  bool send_line(const std::string& line) {
    const std::string bytes = line + "\n";
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // The next line without '\n'; nullopt when the server closes or the deadline passes.
  std::optional<std::string> read_line(milliseconds timeout = io_deadline) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      if (eof_) return std::nullopt;
      const auto left = std::chrono::ceil<milliseconds>(deadline - clock_type::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        buffer_.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        eof_ = true;
      }
    }
  }

  // The next reply (`ok ...` or `error ...`), skipping events that may come before it.
  std::optional<std::string> read_reply(milliseconds timeout = io_deadline) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
      auto line = read_line(std::chrono::ceil<milliseconds>(deadline - clock_type::now()));
      if (!line || line->rfind("ok", 0) == 0 || line->rfind("error", 0) == 0) return line;
    }
  }

  // True if the server closes the connection within the deadline (lines before it are dropped).
  bool closed_within(milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    while (!eof_ && clock_type::now() < deadline) {
      read_line(std::chrono::ceil<milliseconds>(deadline - clock_type::now()));
    }
    return eof_;
  }

 private:
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

struct run_result {
  std::optional<int> status;
  std::string out, err;
};

// Runs msgserver to completion (or kills it at the deadline) and collects its output.
inline run_result run_server(const std::vector<std::string>& args,
                             milliseconds timeout = start_deadline) {
  process p(server_path, args);
  const auto status = p.wait(timeout);
  return {status, p.out(), p.err()};
}

// A msgserver child process, once it has printed its `listening on 127.0.0.1:<port>` line.
struct server_process {
  std::unique_ptr<process> proc;
  std::string listening_line;
  std::uint16_t port = 0;

  // Starts msgserver with `args` in the directory `cwd` (empty: this one) and waits until it
  // listens. A server this object still runs is killed first.
  void start(const std::vector<std::string>& args, const std::string& cwd = {}) {
    proc.reset();
    proc = std::make_unique<process>(server_path, args, cwd);
    const auto line = proc->next_line(start_deadline);
    INFO("stderr so far: " << proc->err());
    REQUIRE(line);
    listening_line = *line;
    std::smatch m;
    REQUIRE(std::regex_match(listening_line, m,
                             std::regex(R"(^listening on 127\.0\.0\.1:([0-9]{1,5})$)")));
    const int number = std::stoi(m[1].str());
    REQUIRE(number > 0);
    REQUIRE(number <= 65535);
    port = static_cast<std::uint16_t>(number);
  }

  // SIGKILL, as a crash would: no shutdown, no last commit. Returns once it is reaped.
  void kill() {
    REQUIRE(proc->signal(SIGKILL));
    CHECK(proc->wait(start_deadline) == 128 + SIGKILL);
  }

  // SIGTERM, and the clean exit that must follow.
  void stop() {
    REQUIRE(proc->signal(SIGTERM));
    const auto status = proc->wait(start_deadline);
    INFO("stderr: " << proc->err());
    CHECK(status == 0);
  }

  // A connection that has read the greeting.
  std::unique_ptr<tcp_client> connect() const {
    auto c = std::make_unique<tcp_client>(port);
    REQUIRE(c->read_line() == "hello msgapp 2");
    return c;
  }

  std::unique_ptr<tcp_client> login(const std::string& user, const std::string& password) const {
    auto c = connect();
    REQUIRE(c->send_line("login " + user + " " + password));
    REQUIRE(c->read_reply() == "ok welcome " + user);
    return c;
  }
};

inline const std::string alice_password = "Al1ce-s3cret";
inline const std::string bob_password = "B0b-s3cret";
inline const std::string accounts = "alice " + alice_password + "\nbob " + bob_password + "\n";

// A msgserver on 127.0.0.1 with a system-chosen port, started from a fresh credentials file.
struct running_server : server_process {
  temp_dir dir;

  // `extra`: more options, after the usual ones.
  explicit running_server(const std::string& log_level = "info",
                          const std::vector<std::string>& extra = {}) {
    const auto creds = dir.write("creds.txt", accounts);
    std::vector<std::string> args{
        "0",           "60",      "600",        "--credentials",    creds, "--bind", "127.0.0.1",
        "--log-level", log_level, "--data-dir", dir.path_of("data")};
    args.insert(args.end(), extra.begin(), extra.end());
    start(args);
  }
  ~running_server() { proc.reset(); }  // the server goes before its directory
};

}  // namespace msgapp::test
