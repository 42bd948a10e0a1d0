// msgclient as scripts drive it (issue 14), the real binary through pipes against the real
// msgserver: stdout and stderr apart, typed-ahead passwords, --exit-on-error, the password
// from a file or the environment, --json, and the lines that are nobody's error.
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "msgclient_fixture.hpp"
#include "pty_process.hpp"

using namespace msgapp::test;

namespace {

// A client whose stdout and stderr are read apart, as a script reads them.
client_ptr start_apart(const server_process& srv, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"127.0.0.1", srv.port()};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<child_process>(client_path, args);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// Every stderr line is an error; no stdout line is.
void check_split(const child_process& c) {
  INFO("stdout:\n" << c.out() << "\nstderr:\n" << c.err());
  for (const auto& line : lines_of(c.err()))
    CHECK(line.rfind("error: ", 0) == 0);
  for (const auto& line : lines_of(c.out()))
    CHECK(line.find("error") == std::string::npos);
}

int finished(child_process& c) {
  const auto status = c.wait();
  INFO("stdout:\n" << c.out() << "\nstderr:\n" << c.err());
  REQUIRE(status.has_value());
  return *status;
}

std::string wait_err(child_process& c, std::string_view needle) {
  const auto line = c.expect_err(needle);
  INFO("waiting on stderr for: " << needle << "\nstdout:\n" << c.out() << "\nstderr:\n" << c.err());
  REQUIRE(line.has_value());
  return *line;
}

// A file holding `text` for as long as the test.
struct text_file {
  explicit text_file(const std::string& text) { std::ofstream(path) << text; }
  ~text_file() { std::remove(path.c_str()); }
  temp_dir dir;
  std::string path = (std::filesystem::path(dir.str()) / "password").string();
};

}  // namespace

TEST_CASE("msgclient script: a password try typed ahead of the refusal is never sent") {
  server_process srv;
  auto c = start_apart(srv);
  c->write("alice\nwrong\nwhoelse\nlogout\n");  // printf 'alice\nwrong\nwhoelse\nlogout\n' | ...
  CHECK(finished(*c) == 1);
  CHECK(c->err().find("wrong password") != std::string::npos);
  CHECK(c->err().find("input already waiting is not taken as the next try") != std::string::npos);
  CHECK(c->out().find("welcome") == std::string::npos);
  check_split(*c);
  // Had `whoelse` and `logout` been tried as passwords, alice would be blocked now.
  auto again = start_apart(srv, {"--user", "alice"});
  again->type(password_of("alice"));
  CHECK(wait_for(*again, "welcome") == "welcome, alice!");
}

TEST_CASE("msgclient script: a password written after reading the refusal is the next try") {
  server_process srv;
  auto c = start_apart(srv, {"--user", "bob"});
  c->type("wrong");
  wait_err(*c, "wrong password");
  c->type(password_of("bob"));
  wait_for(*c, "welcome, bob!");
  c->close_stdin();
  wait_for(*c, "goodbye");
  CHECK(finished(*c) == 0);
  check_split(*c);
}

TEST_CASE("msgclient script: errors on stderr, the conversation on stdout, no help hint") {
  server_process srv;
  auto alice = start_apart(srv, {"--user", "alice"});
  alice->type(password_of("alice"));
  // The welcome stays (scripts wait for it), without the hint meant for people.
  CHECK(wait_for(*alice, "welcome") == "welcome, alice!");
  auto bob = logged_in(srv, "bob");
  wait_for(*alice, "bob logged in");
  alice->type("message zed hi");
  CHECK(wait_err(*alice, "error: ") == "error: no user named 'zed'");
  alice->type("dance");
  wait_err(*alice, "error: unknown command 'dance'");
  alice->type("message bob hi");
  wait_for(*alice, "delivered to bob");
  alice->type("logout");
  wait_for(*alice, "goodbye, alice");
  CHECK(finished(*alice) == 0);
  check_split(*alice);
  CHECK(lines_of(alice->err()).size() == 2);
}

TEST_CASE("msgclient script: --exit-on-error ends at the first failed command, with status 1") {
  server_process srv;
  auto c = start_apart(srv, {"--user", "carol", "--exit-on-error"});
  c->type(password_of("carol"));
  wait_for(*c, "welcome");
  c->write("whoelse\nmessage zed hi\nwhoelse\n");
  CHECK(finished(*c) == 1);
  INFO("stdout:\n" << c->out());
  CHECK(c->err() == "error: no user named 'zed'\n");
  const auto out = lines_of(c->out());
  // The first whoelse was answered; the one after the failure was never sent.
  CHECK(std::count(out.begin(), out.end(), "nobody else is online") == 1);
  CHECK(out.back() == "goodbye, carol");  // logged out as usual

  // Without the option the same script goes on to the end.
  auto d = start_apart(srv, {"--user", "dave"});
  d->type(password_of("dave"));
  wait_for(*d, "welcome");
  d->write("whoelse\nmessage zed hi\nwhoelse\n");
  d->close_stdin();
  CHECK(finished(*d) == 0);
  const auto all = lines_of(d->out());
  CHECK(std::count(all.begin(), all.end(), "nobody else is online") == 2);
}

TEST_CASE("msgclient script: --password-file and MSGAPP_PASSWORD keep the password off stdin") {
  server_process srv;
  SECTION("--password-file: stdin holds only commands") {
    text_file file(password_of("alice") + "\n");
    auto c = start_apart(srv, {"--user", "alice", "--password-file", file.path});
    c->write("whoelse\nlogout\n");
    wait_for(*c, "welcome, alice!");
    wait_for(*c, "nobody else is online");
    CHECK(finished(*c) == 0);
    CHECK(c->err().empty());
  }
  SECTION("a refused password is tried once, never asked for again") {
    text_file file("wrong\n");
    auto c = start_apart(srv, {"--user", "bob", "--password-file", file.path});
    c->write(password_of("bob") + "\n");  // not taken: the password comes from the file
    CHECK(finished(*c) == 1);
    CHECK(c->err().find("wrong password; 2 attempts left") != std::string::npos);
    CHECK(c->err().find("not asking for another") != std::string::npos);
    check_split(*c);
  }
  SECTION("MSGAPP_PASSWORD") {
    ::setenv("MSGAPP_PASSWORD", password_of("carol").c_str(), 1);
    auto c = start_apart(srv);
    ::unsetenv("MSGAPP_PASSWORD");
    c->write("carol\nlogout\n");  // only the name is read
    wait_for(*c, "welcome, carol!");
    CHECK(finished(*c) == 0);
    CHECK(c->err().empty());
  }
  SECTION("a file that cannot be read is bad usage") {
    child_process c(client_path, {"127.0.0.1", srv.port(), "--password-file", "/nonexistent/pw"});
    CHECK(finished(c) == 2);
    CHECK(c.err().find("cannot read FILE: /nonexistent/pw") != std::string::npos);
  }
}

TEST_CASE("msgclient script: --json prints one JSON object per line for every event and reply") {
  server_process srv;
  auto alice = start_apart(srv, {"--user", "alice", "--json"});
  alice->type(password_of("alice"));
  const std::string time = R"("time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")";
  CHECK(std::regex_match(wait_for(*alice, "welcome"),
                         std::regex(R"(\{"type":"welcome",)" + time + R"(,"user":"alice"\})")));
  auto bob = logged_in(srv, "bob");
  CHECK(std::regex_match(
      wait_for(*alice, "presence"),
      std::regex(R"(\{"type":"presence",)" + time + R"(,"user":"bob","online":true\})")));
  bob->type(R"(message alice say "hi" \ to ü)");
  CHECK(std::regex_match(wait_for(*alice, R"("from":"bob")"),
                         std::regex(R"(\{"type":"message",)" + time +
                                    R"(,"from":"bob","text":"say \\"hi\\" \\\\ to ü"\})")));
  alice->type("whoelse");
  CHECK(std::regex_match(
      wait_for(*alice, "whoelse"),
      std::regex(R"(\{"type":"reply",)" + time +
                 R"(,"command":"whoelse","text":"users bob","users":\["bob"\]\})")));
  alice->type("message zed hi");
  CHECK(std::regex_match(
      wait_for(*alice, "unknown-user"),
      std::regex(R"(\{"type":"error",)" + time +
                 R"(,"command":"message","code":"unknown-user","text":"no user named 'zed'"\})")));
  alice->type("dance");
  CHECK(std::regex_match(
      wait_for(*alice, "dance"),
      std::regex(R"(\{"type":"error",)" + time + R"(,"text":"unknown command 'dance'.*"\})")));
  alice->type("logout");
  wait_for(*alice, "goodbye");
  CHECK(finished(*alice) == 0);
  CHECK(alice->err().empty());  // programs read one stream
  for (const auto& line : lines_of(alice->out())) {
    INFO(line);
    CHECK(std::regex_match(line, std::regex(R"(\{"type":"[a-z]+",.*\})")));
  }
}

TEST_CASE("msgclient script: a server that shuts down is no error, one that vanishes is") {
  SECTION("after a shutdown notice") {
    server_process srv;
    auto alice = start_apart(srv, {"--user", "alice"});
    alice->type(password_of("alice"));
    wait_for(*alice, "welcome");
    REQUIRE(srv.proc().signal(SIGTERM));
    wait_for(*alice, "the server is shutting down");
    CHECK(wait_for(*alice, "lost the connection") == "lost the connection to the server");
    CHECK(finished(*alice) == 1);
    CHECK(alice->err().empty());
  }
  SECTION("without one") {
    server_process srv;
    auto alice = start_apart(srv, {"--user", "alice"});
    alice->type(password_of("alice"));
    wait_for(*alice, "welcome");
    REQUIRE(srv.proc().signal(SIGKILL));
    CHECK(wait_err(*alice, "lost the connection") == "error: lost the connection to the server");
    CHECK(finished(*alice) == 1);
    check_split(*alice);
  }
}

TEST_CASE("msgclient script: ending the last private session without a server says why") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto bob = logged_in(srv, "bob");
  open_private(*alice, "alice", *bob, "bob");
  REQUIRE(srv.proc().signal(SIGKILL));
  wait_for(*alice, "lost the connection to the server");
  wait_for(*bob, "lost the connection to the server");
  bob->type("stopprivate alice");
  for (auto* c : {alice.get(), bob.get()}) {
    wait_for(*c, "the last private session ended, and there is no server: msgclient ends");
    CHECK(exit_status(*c) == 1);
  }
}

TEST_CASE("msgclient script: input that ends before the login is an error, Ctrl-C is not") {
  server_process srv;
  SECTION("end of input in pipe mode") {
    auto c = start_apart(srv);
    c->type("alice");
    c->close_stdin();
    CHECK(finished(*c) == 1);
    CHECK(c->err() == "error: not logged in\n");
  }
  SECTION("Ctrl-C at the password prompt of a terminal") {
    pty_process c(client_path, {"127.0.0.1", srv.port()}, "dumb");
    REQUIRE(c.shows("Username: "));
    c.type("alice");
    REQUIRE(c.shows("Password: "));
    const std::size_t from = c.screen().size();
    c.type("\x03");  // the terminal turns it into SIGINT (the Enter after it may be a try)
    const auto status = c.wait();
    INFO("screen:\n" << c.screen());
    CHECK(status == 1);
    REQUIRE(c.shows("not logged in", from));
    CHECK(c.screen().find("error: not logged in") == std::string::npos);
  }
}
