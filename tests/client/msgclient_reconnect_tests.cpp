// The real msgclient staying connected: a server killed and started again on the same port is
// found again (on a terminal, or through a pipe with --reconnect), and the prompts come before
// connecting, so a slow typist is never dropped by the server's login deadline.
#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "msgclient_fixture.hpp"
#include "pty_process.hpp"

using namespace msgapp::test;

namespace {

// msgserver that can be stopped and started again on the same port, with the same database and
// the same accounts file, which a test may change in between.
class restartable_server {
 public:
  explicit restartable_server(std::vector<std::string> extra = {}) : extra_(std::move(extra)) {
    for (const char* user : {"alice", "bob"})
      passwords_[user] = password_of(user);
    write_accounts();
    start();
  }

  void start() {
    std::vector<std::string> args{port_.empty() ? "0" : port_,
                                  "60",
                                  "600",
                                  "--credentials",
                                  accounts_.path_of("accounts"),
                                  "--bind",
                                  "127.0.0.1",
                                  "--log-level",
                                  "warn",
                                  "--data-dir",
                                  data_.str()};
    args.insert(args.end(), extra_.begin(), extra_.end());
    proc_ = std::make_unique<child_process>(server_path, args);
    const auto listening = proc_->expect("listening on ");
    INFO("stderr:\n" << proc_->err());
    REQUIRE(listening.has_value());
    port_ = listening->substr(listening->rfind(':') + 1);
  }

  // SIGKILL: the connections just end; SIGTERM: the server says it is shutting down first.
  void stop(int sig) {
    REQUIRE(proc_->signal(sig));
    REQUIRE(proc_->wait().has_value());
    proc_.reset();
  }

  void set_password(const std::string& user, const std::string& password) {
    passwords_[user] = password;
    write_accounts();
  }

  const std::string& port() const { return port_; }

 private:
  void write_accounts() {
    std::string lines;
    for (const auto& [user, password] : passwords_)
      lines += user + ' ' + password + '\n';
    accounts_.write("accounts", lines);
  }

  std::vector<std::string> extra_;
  std::map<std::string, std::string> passwords_;
  temp_dir accounts_;
  temp_dir data_;
  std::unique_ptr<child_process> proc_;
  std::string port_;
};

using terminal_ptr = std::unique_ptr<pty_process>;

std::vector<std::string> client_args(const restartable_server& srv,
                                     std::vector<std::string> extra) {
  std::vector<std::string> args{"127.0.0.1", srv.port()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Waits until the terminal shows `text` after the first `from` bytes; fails the test (showing
// the screen) when it does not.
void expect_shown(pty_process& c, std::string_view text, std::size_t from) {
  const bool shown = c.shows(text, from);
  INFO("waiting for: " << text << "\nscreen:\n" << c.screen());
  REQUIRE(shown);
}

// msgclient on a terminal that edits lines (TERM=xterm), not yet logged in. Without colours
// (msgclient_terminal_tests checks them), so the screen holds the words as they are written.
terminal_ptr terminal(const restartable_server& srv, std::vector<std::string> extra = {}) {
  extra.insert(extra.begin(), {"--color", "never"});
  return std::make_unique<pty_process>(client_path, client_args(srv, std::move(extra)), "xterm");
}

// Answers the prompts as a person does, each once it shows, and waits for the welcome.
void log_in_on(pty_process& c, const std::string& user) {
  expect_shown(c, "Username: ", 0);
  auto from = c.screen().size();
  c.type(user);
  expect_shown(c, "Password: ", from);
  from = c.screen().size();
  c.type(password_of(user));
  expect_shown(c, "welcome, " + user, from);
}

client_ptr piped(const restartable_server& srv, const std::string& user,
                 std::vector<std::string> extra = {}) {
  auto c = std::make_unique<child_process>(client_path, client_args(srv, std::move(extra)),
                                           std::string(), as_seen);
  c->type(user);
  c->type(password_of(user));
  wait_for(*c, "welcome");
  return c;
}

std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("msgclient on a terminal: a lost server is found again, the half-typed line kept") {
  for (const int sig : {SIGKILL, SIGTERM}) {
    DYNAMIC_SECTION((sig == SIGKILL ? "killed" : "shut down")) {
      restartable_server srv;
      auto alice = terminal(srv);
      log_in_on(*alice, "alice");
      auto from = alice->screen().size();
      alice->press("message bob hel");
      expect_shown(*alice, "message bob hel", from);

      from = alice->screen().size();
      srv.stop(sig);
      expect_shown(*alice, "lost the connection to the server; reconnecting...", from);
      srv.start();
      auto bob = piped(srv, "bob");
      expect_shown(*alice, "reconnected; welcome back, alice", from);

      alice->press("lo there\r");
      CHECK(wait_for(*bob, "hello there").find("alice: hello there") != std::string::npos);
      from = alice->screen().size();
      alice->type("logout");
      expect_shown(*alice, "goodbye, alice", from);
      CHECK(alice->wait() == 0);
      // Reconnecting is no error of the user's.
      INFO("screen:\n" << alice->screen());
      CHECK(alice->screen().find("error: lost") == std::string::npos);
    }
  }
}

TEST_CASE("msgclient on a terminal: a command typed while reconnecting is answered, not lost") {
  restartable_server srv;
  auto alice = terminal(srv);
  log_in_on(*alice, "alice");
  auto from = alice->screen().size();
  srv.stop(SIGKILL);
  expect_shown(*alice, "lost the connection to the server; reconnecting...", from);
  // Each try says how it went; the first one is at once, so the server is still down.
  expect_shown(*alice, "still not connected (", from);
  expect_shown(*alice, "trying again in 1 s", from);
  from = alice->screen().size();
  alice->type("whoelse");
  expect_shown(*alice, "not connected; reconnecting... (nothing was sent", from);
  srv.start();
  expect_shown(*alice, "reconnected; welcome back, alice", from);
  from = alice->screen().size();
  alice->type("whoelse");
  expect_shown(*alice, "nobody else is online", from);
  alice->type("logout");
  CHECK(alice->wait() == 0);
}

TEST_CASE("msgclient on a terminal: leaving while reconnecting") {
  for (const char* how : {"logout", "Ctrl-D"}) {
    DYNAMIC_SECTION(how) {
      restartable_server srv;
      auto alice = terminal(srv);
      log_in_on(*alice, "alice");
      const auto from = alice->screen().size();
      srv.stop(SIGKILL);
      expect_shown(*alice, "trying again in 1 s", from);  // waiting between two tries
      if (std::string_view(how) == "logout") {
        alice->type("logout");
      } else {
        alice->press("\x04");
      }
      expect_shown(*alice, "goodbye, alice", from);
      CHECK(alice->wait() == 1);  // the server was not back
    }
  }
}

TEST_CASE("msgclient on a terminal: a login refused on reconnecting stops at once") {
  restartable_server srv;
  auto alice = terminal(srv);
  log_in_on(*alice, "alice");
  auto from = alice->screen().size();
  srv.stop(SIGKILL);
  srv.set_password("alice", "changed-pw");
  srv.start();
  expect_shown(*alice, "error: cannot log in again: ", from);
  expect_shown(*alice, "; not reconnecting", from);
  CHECK(alice->wait() == 1);
  INFO("screen:\n" << alice->screen());
  CHECK(count(alice->screen(), "cannot log in again") == 1);

  // One try only: alice is not blocked, and logs in with her new password.
  child_process again(client_path, client_args(srv, {}));
  again.type("alice");
  again.type("changed-pw");
  wait_for(again, "welcome, alice");
  again.type("logout");
  CHECK(exit_status(again) == 0);
}

TEST_CASE("msgclient on a terminal: the prompts come before connecting") {
  SECTION("the server starts only after the user name is typed") {
    restartable_server srv;
    srv.stop(SIGKILL);  // its port is known, and nothing listens there
    auto alice = terminal(srv);
    expect_shown(*alice, "Username: ", 0);
    alice->type("alice");
    expect_shown(*alice, "Password: ", 0);
    srv.start();
    const auto from = alice->screen().size();
    alice->type(password_of("alice"));
    expect_shown(*alice, "welcome, alice", from);
    alice->type("logout");
    CHECK(alice->wait() == 0);
  }
  SECTION("a slow typist outlasts the server's login deadline, even after a wrong password") {
    restartable_server srv({"--login-deadline-ms", "200"});
    auto alice = terminal(srv);
    expect_shown(*alice, "Username: ", 0);
    alice->type("alice");
    expect_shown(*alice, "Password: ", 0);
    std::this_thread::sleep_for(1s);  // a person thinks; no connection waits meanwhile
    auto from = alice->screen().size();
    alice->type("wrong-pw");
    expect_shown(*alice, "Password: ", from);
    // Now a connection waits, and the server closes it at its deadline: the next try is made
    // on a new one, without a word.
    std::this_thread::sleep_for(1s);
    from = alice->screen().size();
    alice->type(password_of("alice"));
    expect_shown(*alice, "welcome, alice", from);
    alice->type("logout");
    CHECK(alice->wait() == 0);
    INFO("screen:\n" << alice->screen());
    CHECK(alice->screen().find("not logged in within") == std::string::npos);
  }
}

TEST_CASE("msgclient: --no-reconnect on a terminal, and a pipe, end when the server is lost") {
  SECTION("a terminal with --no-reconnect") {
    restartable_server srv;
    auto alice = terminal(srv, {"--no-reconnect"});
    log_in_on(*alice, "alice");
    const auto from = alice->screen().size();
    srv.stop(SIGKILL);
    expect_shown(*alice, "error: lost the connection to the server", from);
    CHECK(alice->wait() == 1);
  }
  SECTION("a pipe") {
    restartable_server srv;
    auto alice = piped(srv, "alice");
    srv.stop(SIGKILL);
    wait_for(*alice, "error: lost the connection to the server");
    CHECK(exit_status(*alice) == 1);
    CHECK(alice->out().find("reconnecting") == std::string::npos);
  }
}

TEST_CASE("msgclient --reconnect through a pipe: private sessions go on, then both are back") {
  restartable_server srv;
  auto alice = piped(srv, "alice", {"--reconnect"});
  auto bob = piped(srv, "bob", {"--reconnect"});
  open_private(*alice, "alice", *bob, "bob");

  srv.stop(SIGKILL);
  wait_for(*alice, "lost the connection to the server; reconnecting...");
  wait_for(*bob, "lost the connection to the server; reconnecting...");
  alice->type("private bob still here");
  wait_for(*bob, "alice (private): still here");
  bob->type("whoelse");
  wait_for(*bob, "not connected; reconnecting...");

  srv.start();
  wait_for(*alice, "reconnected; welcome back, alice");
  wait_for(*bob, "reconnected; welcome back, bob");
  bob->type("whoelse");
  wait_for(*bob, "online now: alice");
  bob->type("private alice and now");
  wait_for(*alice, "bob (private): and now");
  alice->type("message bob over the server again");
  wait_for(*bob, "alice: over the server again");

  alice->type("logout");
  bob->type("logout");
  CHECK(exit_status(*alice) == 0);
  CHECK(exit_status(*bob) == 0);
  check_error_lines(*alice);
  check_error_lines(*bob);
}
