// Black-box tests of msgserver: arguments, credentials errors, listening line, signals, log.
#include <catch2/catch.hpp>

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
#include <string>
#include <system_error>
#include <vector>

#include "../support/child_process.hpp"

namespace {

using namespace std::chrono_literals;
using process = msgapp::test::child_process;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

const std::string server_path = MSGSERVER_PATH;

// Generous bounds for things that normally take milliseconds (sanitizer builds are slower);
// they only decide how long a broken server takes to fail a test.
constexpr milliseconds start_deadline = 10s;
constexpr milliseconds io_deadline = 2s;

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "msgapp-apps-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp");
    }
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  // Writes a file in the directory and returns its full path.
  std::string write(const std::string& name, const std::string& content) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }
  std::string path_of(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

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
run_result run_server(const std::vector<std::string>& args, milliseconds timeout = start_deadline) {
  process p(server_path, args);
  const auto status = p.wait(timeout);
  return {status, p.out(), p.err()};
}

std::string show_args(const std::vector<std::string>& args) {
  std::string out = "msgserver";
  for (const auto& a : args)
    out += " '" + a + "'";
  return out;
}

const std::string alice_password = "Al1ce-s3cret";
const std::string bob_password = "B0b-s3cret";
const std::string accounts = "alice " + alice_password + "\nbob " + bob_password + "\n";

// A msgserver on 127.0.0.1 with a system-chosen port, started from a fresh credentials file.
struct running_server {
  temp_dir dir;
  std::unique_ptr<process> proc;
  std::string listening_line;
  std::uint16_t port = 0;

  explicit running_server(const std::string& log_level = "info") {
    const auto creds = dir.write("creds.txt", accounts);
    proc = std::make_unique<process>(
        server_path,
        std::vector<std::string>{"0", "60", "600", "--credentials", creds, "--bind", "127.0.0.1",
                                 "--log-level", log_level, "--data-dir", dir.path_of("data")});
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

}  // namespace

TEST_CASE("msgserver refuses bad arguments with status 2 and a usage line", "[msgserver]") {
  const auto args = GENERATE(values<std::vector<std::string>>({
      {},
      {"0", "60"},
      {"-1", "60", "600"},
      {"0", "-5", "600"},
      {"0", "60", "-1"},
      {"0", "1.5", "600"},
      {"0", "60", "2.5"},
      {"abc", "60", "600"},
      {"0", "sixty", "600"},
      {"70000", "60", "600"},
      {"65536", "60", "600"},
      {"0", "60", "600", "--frobnicate"},
      {"0", "60", "600", "extra"},
      {"0", "60", "600", "--log-level", "loud"},
  }));
  INFO(show_args(args));
  const auto r = run_server(args);
  INFO("stderr: " << r.err);
  REQUIRE(r.status);
  CHECK(*r.status == 2);
  CHECK_THAT(r.err, Catch::StartsWith("usage:"));
  CHECK(r.out.empty());
}

TEST_CASE("msgserver --help describes every option and exits 0", "[msgserver]") {
  const auto r = run_server({"--help"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.status);
  CHECK(*r.status == 0);
  for (const char* option : {"--credentials", "--bind", "--log-level", "--version", "--help"}) {
    CHECK_THAT(r.out, Catch::Contains(option));
  }
}

TEST_CASE("msgserver --version prints a version and exits 0", "[msgserver]") {
  const auto r = run_server({"--version"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.status);
  CHECK(*r.status == 0);
  CHECK(std::regex_search(r.out, std::regex(R"(^msgserver [0-9]+\.[0-9]+\.[0-9]+\n$)")));
}

TEST_CASE("msgserver names a missing credentials file", "[msgserver]") {
  const temp_dir dir;
  const auto missing = dir.path_of("no-such-creds.txt");
  const auto r = run_server({"0", "60", "600", "--credentials", missing, "--bind", "127.0.0.1"});
  INFO("stderr: " << r.err);
  REQUIRE(r.status);
  CHECK(*r.status != 0);
  CHECK_THAT(r.err, Catch::Contains(missing));
  CHECK(r.out.empty());
}

TEST_CASE("msgserver names the file and line of a malformed credentials line", "[msgserver]") {
  struct bad_file {
    std::string content;
    int line;
    std::string secret;  // a password on the bad line, which must not be echoed
  };
  const auto bad = GENERATE(values<bad_file>({
      {"alice secret\nbroken\n", 2, ""},
      {"# accounts\n\nalice secret\nb@d passw0rd\n", 4, "passw0rd"},
      {"alice secret\nalice other-pw\n", 2, "other-pw"},
      {"alice secret\r\nbob pass word\r\n", 2, "pass word"},
      {"x" + std::string(33, 'x') + " pw\n", 1, ""},
  }));
  const temp_dir dir;
  const auto creds = dir.write("creds.txt", bad.content);
  const auto r = run_server({"0", "60", "600", "--credentials", creds, "--bind", "127.0.0.1"});
  INFO("file:\n" << bad.content << "stderr: " << r.err);
  REQUIRE(r.status);
  CHECK(*r.status != 0);
  CHECK_THAT(r.err, Catch::Contains(creds + ":" + std::to_string(bad.line) + ":"));
  CHECK_THAT(r.err, Catch::Contains("creds.txt:" + std::to_string(bad.line)));
  if (!bad.secret.empty()) CHECK_THAT(r.err, !Catch::Contains(bad.secret));
  CHECK(r.out.empty());
}

TEST_CASE("msgserver on port 0 prints the real port and greets on it", "[msgserver]") {
  running_server server;
  {
    tcp_client c(server.port);
    CHECK(c.read_line() == "hello msgapp 2");
  }
  REQUIRE(server.proc->signal(SIGTERM));
  const auto status = server.proc->wait(start_deadline);
  INFO("stderr: " << server.proc->err());
  REQUIRE(status);
  CHECK(*status == 0);
  // stdout carries the `listening on` line and nothing else, from start to exit.
  CHECK(server.proc->out() == server.listening_line + "\n");
}

namespace {

// Sends `sig` with a logged-in client connected: the client gets `shutdown ...` and then end
// of file, and the server exits with status 0, all within 2 s of the signal.
void check_clean_shutdown(int sig) {
  running_server server;
  const auto alice = server.login("alice", alice_password);

  const auto sent = clock_type::now();
  REQUIRE(server.proc->signal(sig));
  const auto notice = alice->read_line(2s);
  REQUIRE(notice);
  CHECK_THAT(*notice, Catch::StartsWith("shutdown"));
  CHECK(alice->closed_within(2s));

  const auto left = std::chrono::ceil<milliseconds>(sent + 2s - clock_type::now());
  const auto status = server.proc->wait(left);
  const auto took = std::chrono::duration_cast<milliseconds>(clock_type::now() - sent);
  INFO("exit after " << took.count() << " ms; stderr: " << server.proc->err());
  REQUIRE(status);
  CHECK(*status == 0);
  CHECK(took < 2s);
}

}  // namespace

TEST_CASE("msgserver shuts down cleanly on SIGTERM", "[msgserver]") {
  check_clean_shutdown(SIGTERM);
}

TEST_CASE("msgserver shuts down cleanly on SIGINT", "[msgserver]") {
  check_clean_shutdown(SIGINT);
}

TEST_CASE("msgserver logs logins on stderr and never a password", "[msgserver]") {
  const std::string level = GENERATE("info", "trace");
  INFO("--log-level " << level);
  running_server server(level);
  {
    const auto alice = server.login("alice", alice_password);
    auto bob = server.connect();
    REQUIRE(bob->send_line("login bob Wr0ng-guess"));
    const auto refusal = bob->read_reply();
    REQUIRE(refusal);
    CHECK_THAT(*refusal, Catch::StartsWith("error wrong-password"));
    REQUIRE(bob->send_line("login bob " + bob_password));
    CHECK(bob->read_reply() == "ok welcome bob");
    REQUIRE(alice->send_line("logout"));
    CHECK(alice->read_reply() == "ok goodbye alice");
  }
  REQUIRE(server.proc->signal(SIGTERM));
  REQUIRE(server.proc->wait(start_deadline) == 0);

  const auto& log = server.proc->err();
  INFO("stderr:\n" << log);
  CHECK(std::regex_search(log, std::regex(R"((^|\n)[^\n]*\balice\b[^\n]*logged in)")));
  CHECK(std::regex_search(log, std::regex(R"((^|\n)[^\n]*\bbob\b[^\n]*logged in)")));
  for (const auto& secret : {alice_password, bob_password, std::string("Wr0ng-guess")}) {
    CHECK_THAT(log, !Catch::Contains(secret));
    CHECK_THAT(server.proc->out(), !Catch::Contains(secret));
  }
}
