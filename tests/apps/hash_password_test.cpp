// Black-box tests of `msgserver hash-password`: from a pipe, on a pseudo-terminal (no echo,
// asked twice), and the printed line pasted into credentials.txt of a real server.
#include <catch2/catch.hpp>

#include <pty.h>
#include <sys/wait.h>

#include <regex>
#include <string>

#include "server_process.hpp"

namespace {

using namespace msgapp::test;

const std::regex hash_line(
    R"(^alice \$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+\n$)");

// `msgserver hash-password <args>` with `input` on its stdin (a pipe).
run_result hash_from_pipe(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> all{"hash-password"};
  all.insert(all.end(), args.begin(), args.end());
  process p(server_path, all);
  p.write(input);
  p.close_stdin();
  const auto status = p.wait(start_deadline);
  return {status, p.out(), p.err()};
}

// msgserver hash-password on a pseudo-terminal: types each of `lines` once the prompt it
// waits for has appeared, and returns everything the terminal showed, and the exit status.
struct tty_run {
  std::string shown;
  int status = -1;
};
tty_run hash_on_tty(const std::vector<std::pair<std::string, std::string>>& prompts_and_lines) {
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execl(server_path.c_str(), server_path.c_str(), "hash-password", "alice", nullptr);
    ::_exit(127);
  }
  tty_run run;
  const auto deadline = clock_type::now() + start_deadline;
  const auto read_some = [&] {
    pollfd pfd{master, POLLIN, 0};
    const auto left = std::chrono::ceil<milliseconds>(deadline - clock_type::now());
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[1024];
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) return false;  // EIO once the child has gone
    run.shown.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t seen = 0;
  for (const auto& [prompt, line] : prompts_and_lines) {
    while (run.shown.find(prompt, seen) == std::string::npos)
      REQUIRE(read_some());
    seen = run.shown.find(prompt, seen) + prompt.size();
    const std::string typed = line + "\n";
    REQUIRE(::write(master, typed.data(), typed.size()) == static_cast<ssize_t>(typed.size()));
  }
  while (read_some()) {
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  ::close(master);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace

TEST_CASE("hash-password reads one line from a pipe and prints the credentials line",
          "[hash-password]") {
  const auto r = hash_from_pipe({"alice"}, "S3cret-pw\n");
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.status == 0);
  CHECK(std::regex_match(r.out, hash_line));  // interactive limits: 64 MiB, 2 passes
  CHECK_THAT(r.err, Catch::Contains("Add this line to credentials.txt"));
  CHECK_THAT(r.out + r.err, !Catch::Contains("S3cret-pw"));

  // Without a name, stdout has the hash alone and stderr says where the name goes.
  const auto bare = hash_from_pipe({}, "S3cret-pw");  // no '\n' at the end: still a line
  INFO("stdout: " << bare.out << "\nstderr: " << bare.err);
  REQUIRE(bare.status == 0);
  CHECK_THAT(bare.out, Catch::StartsWith("$argon2id$"));
  CHECK_THAT(bare.err, Catch::Contains("user's name before the hash"));
}

TEST_CASE("hash-password refuses what no login could use", "[hash-password]") {
  for (const auto& input : {std::string(""), std::string("two words\n"), std::string(129, 'x')}) {
    const auto r = hash_from_pipe({"alice"}, input);
    INFO("input: '" << input << "' stderr: " << r.err);
    REQUIRE(r.status == 1);
    CHECK(r.out.empty());
  }
  const auto bad_name = hash_from_pipe({"b@d"}, "pw\n");
  REQUIRE(bad_name.status == 2);  // bad usage
  CHECK_THAT(bad_name.err, Catch::StartsWith("usage: msgserver hash-password"));
}

TEST_CASE("hash-password on a terminal asks twice without echo", "[hash-password]") {
  const auto same = hash_on_tty({{"Password: ", "Tty-s3cret"}, {"Again: ", "Tty-s3cret"}});
  INFO("terminal:\n" << same.shown);
  CHECK(same.status == 0);
  CHECK_THAT(same.shown, !Catch::Contains("Tty-s3cret"));  // never echoed
  CHECK(std::regex_search(same.shown, std::regex(R"(alice \$argon2id\$v=19\$)")));

  const auto differ = hash_on_tty({{"Password: ", "Tty-s3cret"}, {"Again: ", "Tty-s3creT"}});
  INFO("terminal:\n" << differ.shown);
  CHECK(differ.status == 1);
  CHECK_THAT(differ.shown, Catch::Contains("differ"));
  CHECK_THAT(differ.shown, !Catch::Contains("$argon2id$"));
}

TEST_CASE("a pasted hash line logs in; the server warns once about plain passwords",
          "[hash-password]") {
  const auto made = hash_from_pipe({"alice"}, "Hash3d-pw\n");
  REQUIRE(made.status == 0);
  temp_dir dir;
  const auto creds = dir.write("creds.txt", made.out + "bob B0b-plain\ncarol C4rol-plain\n");
  server_process server;
  server.start({"0", "60", "600", "--credentials", creds, "--bind", "127.0.0.1", "--log-level",
                "trace", "--in-memory"});
  {
    auto wrong = server.connect();
    REQUIRE(wrong->send_line("login alice Hash3d-pX"));
    const auto refusal = wrong->read_reply(start_deadline);
    REQUIRE(refusal);
    CHECK_THAT(*refusal, Catch::StartsWith("error wrong-password"));
    const auto alice = server.login("alice", "Hash3d-pw");  // waits for ok welcome alice
    const auto bob = server.login("bob", "B0b-plain");
  }
  server.stop();
  const auto& log = server.proc->err();
  INFO("stderr:\n" << log);
  const std::regex warning("2 of 3 accounts in [^\n]*creds.txt have a plain password");
  CHECK(std::distance(std::sregex_iterator(log.begin(), log.end(), warning),
                      std::sregex_iterator()) == 1);
  for (const char* secret : {"Hash3d-pw", "Hash3d-pX", "B0b-plain", "C4rol-plain", "$argon2id$"})
    CHECK_THAT(log, !Catch::Contains(secret));
}
