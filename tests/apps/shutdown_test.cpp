// Black-box test of shutdown under load: a real msgserver with a data directory, many clients
// flooding messages (to users online and offline, so replies wait for the store), SIGTERM:
// every client is told, and the server exits 0.
#include <catch2/catch.hpp>

#include <fcntl.h>

#include <chrono>
#include <csignal>
#include <string>
#include <utility>
#include <vector>

#include "server_process.hpp"

namespace {

using namespace msgapp::test;

constexpr int flooders = 100;
constexpr int offline_users = 100;  // messages to them are written to the store
constexpr std::string_view notice = "shutdown the server is shutting down";
// Bounds that only decide how long a broken server takes to fail the test.
constexpr milliseconds flood_time = 2s;
constexpr milliseconds exit_deadline = 20s;

// Built by appending: g++ 12 at -O3 warns wrongly on "u" + std::string (GCC PR 105651).
std::string user(int i) {
  std::string name = "u";
  name += std::to_string(i);
  return name;
}

// One flooding client on a non-blocking socket: it writes messages whenever the socket takes
// them and reads everything, until it sees the notice (then it only reads) and the server closes.
struct flooder {
  int fd = -1;
  int self = 0;
  int seq = 0;
  std::string out;
  std::size_t out_sent = 0;
  std::string line;  // the line being read
  bool told = false;
  bool closed = false;

  flooder() = default;
  flooder(const flooder&) = delete;
  flooder& operator=(const flooder&) = delete;
  ~flooder() {
    if (fd >= 0) ::close(fd);
  }

  // Connects and logs in, blocking; true once `ok welcome` has come. The socket is then
  // made non-blocking for the flood.
  bool log_in(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      return false;
    std::string login = "login ";
    login += user(self);
    login += ' ';
    login += user(self);
    login += "-pw\n";
    if (::send(fd, login.data(), login.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(login.size()))
      return false;
    std::string in;
    const auto deadline = clock_type::now() + io_deadline;
    while (in.find("ok welcome") == std::string::npos && clock_type::now() < deadline) {
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<std::size_t>(n));
    }
    if (in.find("ok welcome") == std::string::npos ||
        in.find('\n', in.find("ok welcome")) == std::string::npos)
      return false;
    return ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) == 0;
  }

  void write_some() {
    if (out_sent == out.size()) {
      out.clear();
      out_sent = 0;
      for (int k = 0; k < 64; ++k) {  // three in four to users who are offline
        const int to = ++seq % 4 != 0 ? flooders + seq % offline_users : (self + 1 + k) % flooders;
        out += "message ";
        out += user(to);
        out += " flood ";
        out += std::to_string(seq);
        out += '\n';
      }
    }
    const ssize_t n =
        ::send(fd, out.data() + out_sent, out.size() - out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) out_sent += static_cast<std::size_t>(n);
  }

  void read_some() {
    char buf[64 * 1024];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
      closed = true;  // end of file, or a reset: close ours, as a client does
      ::close(std::exchange(fd, -1));
      return;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] != '\n') {
        if (line.size() <= notice.size()) line += buf[i];
        continue;
      }
      told = told || line == notice;
      line.clear();
    }
  }
};

}  // namespace

TEST_CASE("msgserver told every flooding client on SIGTERM and exits 0", "[msgserver][shutdown]") {
  temp_dir dir;
  std::string accounts;
  for (int i = 0; i < flooders + offline_users; ++i)
    accounts += user(i) + " " + user(i) + "-pw\n";
  const auto creds = dir.write("creds.txt", accounts);
  server_process server;
  server.start({"0", "60", "600", "--credentials", creds, "--bind", "127.0.0.1", "--log-level",
                "warn", "--data-dir", dir.path_of("data")});

  std::vector<flooder> clients(flooders);
  for (int i = 0; i < flooders; ++i) {
    auto& c = clients[static_cast<std::size_t>(i)];
    c.self = i;
    REQUIRE(c.log_in(server.port));
  }

  // Flood, then SIGTERM while flooding; go on until every connection has ended.
  const auto flood_until = clock_type::now() + flood_time;
  std::optional<clock_type::time_point> signalled;
  std::vector<pollfd> fds;
  while (clock_type::now() < flood_until + exit_deadline) {
    if (!signalled && clock_type::now() >= flood_until) {
      REQUIRE(server.proc->signal(SIGTERM));
      signalled = clock_type::now();
    }
    fds.clear();
    for (const auto& c : clients) {
      if (c.closed) continue;
      const short events = c.told ? POLLIN : POLLIN | POLLOUT;
      fds.push_back(pollfd{c.fd, events, 0});
    }
    if (fds.empty()) break;
    ::poll(fds.data(), fds.size(), 50);
    std::size_t next = 0;
    for (auto& c : clients) {
      if (c.closed) continue;
      const auto revents = fds[next++].revents;
      if (revents & (POLLIN | POLLHUP | POLLERR)) c.read_some();
      if ((revents & POLLOUT) && !c.told && !c.closed) c.write_some();
    }
  }

  int told = 0;
  int closed = 0;
  for (const auto& c : clients) {
    told += c.told ? 1 : 0;
    closed += c.closed ? 1 : 0;
  }
  const auto status = server.proc->wait(exit_deadline);
  INFO("stderr: " << server.proc->err());
  CHECK(told == flooders);
  CHECK(closed == flooders);
  REQUIRE(status);
  CHECK(*status == 0);
}
