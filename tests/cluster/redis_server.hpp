// Test support: a redis-server of the test's own on a Unix socket in a temporary directory
// (no TCP port, no persistence), which can be stopped and started again on the same socket.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace cluster_test {

class redis_server {
 public:
  redis_server() { start(); }  // started
  ~redis_server() { stop(); }
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  std::string url() const { return "unix:" + socket_path(); }
  std::string socket_path() const { return dir_.path_of("redis.sock"); }

  // Shuts the server down (SIGTERM: it closes every connection and removes its socket).
  void stop() {
    if (!process_) return;
    process_->signal(SIGTERM);
    if (!process_->wait(std::chrono::seconds(5))) process_->signal(SIGKILL);
    process_.reset();
  }

  // Starts it (again, on the same socket) and returns once it answers PING. Throws if not.
  void start() {
    if (process_) return;
    process_.emplace(
        REDIS_SERVER_PROGRAM,
        std::vector<std::string>{"--port", "0", "--unixsocket", socket_path(), "--save", "",
                                 "--appendonly", "no", "--enable-debug-command", "local",
                                 "--logfile", dir_.path_of("redis.log"), "--dir", dir_.str()});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!answers_ping()) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("redis-server did not answer on " + socket_path());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  bool answers_ping() const {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const auto path = socket_path();
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
        ::write(fd, "PING\r\n", 6) == 6) {
      pollfd p{fd, POLLIN, 0};
      char buf[16] = {};
      ok = ::poll(&p, 1, 1000) == 1 && ::read(fd, buf, sizeof buf - 1) > 0 &&
           std::string_view(buf).starts_with("+PONG");
    }
    ::close(fd);
    return ok;
  }

  msgapp::test::temp_dir dir_{"msgapp-redis"};
  std::optional<msgapp::test::child_process> process_;
};

}  // namespace cluster_test
