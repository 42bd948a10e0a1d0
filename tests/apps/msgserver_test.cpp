// Black-box tests of msgserver: arguments, credentials errors, listening line, signals, log.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <regex>
#include <string>
#include <vector>

#include "server_process.hpp"

namespace {

using namespace msgapp::test;

std::string show_args(const std::vector<std::string>& args) {
  std::string out = "msgserver";
  for (const auto& a : args)
    out += " '" + a + "'";
  return out;
}

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
      // cluster mode needs all of its engines, and keeps no local directory
      {"0", "60", "600", "--cluster"},
      {"0", "60", "600", "--cluster", "--node-id", "n1", "--redis", "unix:/r"},
      {"0", "60", "600", "--node-id", "n1"},
      {"0", "60", "600", "--cluster", "--node-id", "n1", "--redis", "http://x", "--postgres", "x"},
      {"0", "60", "600", "--cluster", "--node-id", "n 1", "--redis", "unix:/r", "--postgres", "x"},
      {"0", "60", "600", "--cluster", "--node-id", "n1", "--redis", "unix:/r", "--postgres", "x",
       "--in-memory"},
      {"0", "60", "600", "--cluster", "--node-id", "n1", "--redis", "unix:/r", "--postgres", "x",
       "--lease-ms", "10"},
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

TEST_CASE("msgserver's limit options reach the server", "[msgserver]") {
  // Two of the Limits group, each seen from a client: a shorter line limit and a lower
  // strike count. The options are one declaration each (limit_options.cpp), so two stand
  // for the mechanism.
  running_server server("info", {"--max-line", "100", "--login-attempts", "1"});
  const auto alice = server.login("alice", alice_password);
  REQUIRE(alice->send_line("broadcast " + std::string(120, 'x')));
  const auto too_long = alice->read_reply();
  REQUIRE(too_long);
  CHECK_THAT(*too_long, Catch::StartsWith("error line-too-long") && Catch::Contains("100 bytes"));

  const auto bob = server.connect();
  REQUIRE(bob->send_line("login bob wrong-password"));
  const auto refused = bob->read_reply();
  REQUIRE(refused);
  CHECK_THAT(*refused, Catch::StartsWith("error login-blocked"));
}

TEST_CASE("msgserver --unlimited lifts the per-address limit", "[msgserver]") {
  // Loopback counts here (--limit-loopback), so a second connection from 127.0.0.1 is one
  // too many; --unlimited lets it in.
  const std::vector<std::string> one_each{"--limit-loopback", "--per-address", "1"};
  {
    running_server limited("info", one_each);
    const auto first = limited.connect();
    tcp_client second(limited.port);
    CHECK(second.read_line() == "hello msgapp 2");
    const auto refused = second.read_line();
    REQUIRE(refused);
    CHECK_THAT(*refused, Catch::StartsWith("error too-many-connections"));
    CHECK(second.closed_within(2s));
  }
  auto lifted = one_each;
  lifted.push_back("--unlimited");
  running_server unlimited("info", lifted);
  const auto first = unlimited.connect();
  const auto second = unlimited.login("bob", bob_password);  // greeted and served
}

TEST_CASE("msgserver --help lists the Limits group with durations in milliseconds", "[msgserver]") {
  const auto r = run_server({"--help"});
  REQUIRE(r.status == 0);
  for (const char* option : {"Limits:", "--max-connections", "--store-backlog", "--page-bytes",
                             "--write-timeout-ms MS=10000", "--tls-close-ms MS=500"}) {
    CHECK_THAT(r.out, Catch::Contains(option));
  }
}

TEST_CASE("msgserver --idle-warning-ms sets how long before the time-out users are warned",
          "[msgserver]") {
  // The time-out is 600 s: warned 599.9 s before it, a moment after logging in.
  running_server server("info", {"--idle-warning-ms", "599900"});
  const auto alice = server.login("alice", alice_password);
  CHECK(
      alice->read_line() ==
      "idle-warning 600 you will be signed off in 600 s for inactivity unless you send a command");
  const auto help = run_server({"--help"});
  CHECK_THAT(help.out, Catch::Contains("--idle-warning-ms"));
  // Not as long as the time-out itself: that would warn at once, for ever.
  const auto refused = run_server({"0", "60", "600", "--idle-warning-ms", "600000"});
  REQUIRE(refused.status);
  CHECK(*refused.status != 0);
  CHECK_THAT(refused.err, Catch::Contains("idle_warning must be shorter than the time-out"));
}

TEST_CASE("msgserver --version prints a version and exits 0", "[msgserver]") {
  const auto r = run_server({"--version"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.status);
  CHECK(*r.status == 0);
  CHECK(std::regex_search(r.out, std::regex(R"(^msgserver [0-9]+\.[0-9]+\.[0-9]+\nmemory: )")));
#ifdef MSGSERVER_ON_JEMALLOC
  // Freed memory goes back to the system from jemalloc's background thread (the soak needs it).
  CHECK(std::regex_search(r.out,
                          std::regex(R"(\nmemory: jemalloc 5\S* \(background purging on\)\n$)")));
#else
  CHECK_THAT(r.out, Catch::EndsWith("memory: the C library's malloc\n"));
#endif
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
