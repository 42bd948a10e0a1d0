// The real msgclient's commands: aliases and typos, talking to one user, muted presence, the
// blocks list, the idle warning, and the history kept between runs on a terminal.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "msgclient_fixture.hpp"
#include "pty_process.hpp"

namespace msgapp::test {
namespace {

// The lines of a file, as they are.
std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::size_t count_of(const std::string& text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

// Sets an environment variable for the programs started meanwhile, and puts it back.
class env_override {
 public:
  env_override(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~env_override() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  env_override(const env_override&) = delete;
  env_override& operator=(const env_override&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A msgclient on a pseudo-terminal that edits lines (TERM=xterm), answered as a person would:
// each line typed once its prompt shows, output searched from where the last line was typed.
class terminal_client {
 public:
  explicit terminal_client(const server_process& srv)
      : pty_(client_path, {"127.0.0.1", srv.port()}, "xterm") {}

  void answer(std::string_view prompt, std::string_view typed) {
    INFO("waiting for " << prompt << "; screen so far:\n" << pty_.screen());
    REQUIRE(pty_.shows(prompt, typed_at_));
    typed_at_ = pty_.screen().size();
    pty_.type(typed);
  }
  void log_in(const std::string& user) {
    answer("Username: ", user);
    answer("Password: ", password_of(user));
    INFO("screen so far:\n" << pty_.screen());
    REQUIRE(pty_.shows("welcome", typed_at_));
  }
  void shows(std::string_view text) {
    INFO("waiting for " << text << "; screen so far:\n" << pty_.screen());
    REQUIRE(pty_.shows(text, typed_at_));
  }
  std::optional<int> wait() { return pty_.wait(); }
  const std::string& screen() const { return pty_.screen(); }

 private:
  pty_process pty_;
  std::size_t typed_at_ = 0;
};

}  // namespace

TEST_CASE("msgclient: aliases, a leading slash and any case name the same commands") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto bob = logged_in(srv, "bob");
  wait_for(*alice, "bob logged in");
  alice->type("/msg bob hi from a slash");
  wait_for(*alice, "delivered to bob");
  wait_for(*bob, "alice: hi from a slash");
  alice->type("MESSAGE bob  loud  and clear");
  wait_for(*bob, "alice: loud  and clear");  // the text still goes as typed
  alice->type("/Who");
  wait_for(*alice, "online now: bob");
  alice->type("whosince 60");
  wait_for(*alice, "online in that time: bob");
  alice->type("/HELP");
  wait_for(*alice, "query <user>");
  alice->type("mesage bob typo");
  wait_for(*alice, "error: unknown command 'mesage'; did you mean 'message'?");
  alice->type("/blcok bob");
  wait_for(*alice, "error: unknown command '/blcok'; did you mean 'block'?");
  alice->type("xyzzy");
  wait_for(*alice, "error: unknown command 'xyzzy'; type help for the list");
  alice->type("/quit");
  wait_for(*alice, "goodbye");
  CHECK(exit_status(*alice) == 0);
  // Nothing that was refused reached bob.
  bob->type("logout");
  wait_for(*bob, "goodbye");
  CHECK(exit_status(*bob) == 0);
  CHECK(bob->out().find("typo") == std::string::npos);
  check_error_lines(*alice);
}

TEST_CASE("msgclient: /query sends plain lines to one user until /query alone") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto bob = logged_in(srv, "bob");
  wait_for(*alice, "bob logged in");
  alice->type("/query bob");
  wait_for(*alice, "talking to bob");
  alice->type("just plain words");
  wait_for(*alice, "delivered to bob");
  wait_for(*bob, "alice: just plain words");
  alice->type("help me with this");  // a command word, but while talking it is text
  wait_for(*bob, "alice: help me with this");
  alice->type("/whoelse");  // a slash makes it a command
  wait_for(*alice, "online now: bob");
  alice->type("/query");
  wait_for(*alice, "no longer talking to bob");
  alice->type("plain again");
  wait_for(*alice, "error: unknown command 'plain'");
  alice->type("talk alice");
  wait_for(*alice, "error: you cannot talk to yourself");
  alice->type("talk b@d");
  wait_for(*alice, "error: no user named 'b@d'");
  alice->type("talk bob");  // the other spelling
  wait_for(*alice, "talking to bob");
  alice->type("via talk");
  wait_for(*bob, "alice: via talk");
  alice->type("/logout");
  wait_for(*alice, "goodbye");
  CHECK(exit_status(*alice) == 0);
  bob->type("logout");
  CHECK(exit_status(*bob) == 0);
  CHECK(bob->out().find("plain again") == std::string::npos);
  CHECK(bob->out().find("online now") == std::string::npos);
  check_error_lines(*alice);
}

TEST_CASE("msgclient: presence off hides others' logins and logouts; on shows them again") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  alice->type("presence off");
  wait_for(*alice, "presence lines are hidden");
  auto carol = logged_in(srv, "carol");
  auto bob = logged_in(srv, "bob");
  // bob's message comes after both logins were announced: had they been shown, they came first.
  bob->type("message alice after the logins");
  wait_for(*alice, "bob: after the logins");
  CHECK(alice->out().find("carol logged in") == std::string::npos);
  CHECK(alice->out().find("bob logged in") == std::string::npos);
  alice->type("/presence ON");
  wait_for(*alice, "presence lines are shown");
  carol->type("logout");
  wait_for(*alice, "carol logged out");
  alice->type("presence maybe");
  wait_for(*alice, "error: usage: presence on|off");
  alice->type("logout");
  CHECK(exit_status(*alice) == 0);
  bob->type("logout");
  CHECK(exit_status(*bob) == 0);
  CHECK(exit_status(*carol) == 0);
  check_error_lines(*alice);
}

TEST_CASE("msgclient: blocks lists whom you have blocked") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  alice->type("blocks");
  wait_for(*alice, "you have blocked nobody");
  alice->type("block dave");
  wait_for(*alice, "blocked dave");
  alice->type("block carol");
  wait_for(*alice, "blocked carol");
  alice->type("/BLOCKS");
  wait_for(*alice, "you have blocked: carol, dave");
  alice->type("unblock dave");
  wait_for(*alice, "unblocked dave");
  alice->type("blocks");
  wait_for(*alice, "you have blocked: carol");
  alice->type("blocks now");
  wait_for(*alice, "error: usage: blocks (no arguments)");
  alice->type("logout");
  CHECK(exit_status(*alice) == 0);
  check_error_lines(*alice);
}

TEST_CASE("msgclient: the idle warning is shown once per idle period, before the time-out") {
  server_process srv(60, 2);  // warned a tenth of the time-out before it: after 1.8 s
  auto alice = logged_in(srv, "alice");
  const auto warning = "you will be signed off in 1 s for inactivity";
  const auto first = wait_for(*alice, warning);
  CHECK(first.rfind("error", 0) == std::string::npos);  // a notice: nothing has gone wrong
  CHECK(first.find("timed out") == std::string::npos);
  CHECK(first.find("logged out") == std::string::npos);
  alice->type("whoelse");  // a command: a new idle period, warned anew
  wait_for(*alice, "nobody else is online");
  wait_for(*alice, warning);
  CHECK(wait_for(*alice, "timed out").rfind("error: ", 0) == 0);
  CHECK(exit_status(*alice) == 1);
  CHECK(count_of(alice->out(), warning) == 2);
  check_error_lines(*alice);
}

TEST_CASE("msgclient on a terminal: history is kept between runs, without name or password") {
  server_process srv;
  const temp_dir state;
  const env_override xdg("XDG_STATE_HOME", state.str());
  const auto file = state.path() / "msgapp" / "history";
  {
    terminal_client c(srv);
    c.log_in("alice");
    c.answer("> ", "\x1b[A");  // Up: the name typed at the prompt is not there to recall
    c.answer("> ", "whoelse");
    c.shows("nobody else is online");
    c.answer("> ", "blocks");
    c.shows("you have blocked nobody");
    c.answer("> ", "logout");
    INFO("screen:\n" << c.screen());
    CHECK(c.wait() == 0);
    CHECK(c.screen().find("unknown command") == std::string::npos);
  }
  CHECK(lines_of(file) == std::vector<std::string>{"whoelse", "blocks", "logout"});
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(file.parent_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  // The next run walks back into the last one's lines: Up three times is `whoelse`.
  {
    terminal_client c(srv);
    c.log_in("alice");
    c.answer("> ", "\x1b[A\x1b[A\x1b[A");
    c.shows("nobody else is online");
    c.answer("> ", "logout");
    INFO("screen:\n" << c.screen());
    CHECK(c.wait() == 0);
  }
  const auto second = lines_of(file);
  CHECK(second == std::vector<std::string>{"whoelse", "blocks", "logout", "whoelse", "logout"});
  for (const auto& line : second) {
    CHECK(line.find("alice") == std::string::npos);  // neither the name nor its password
  }
}

TEST_CASE("msgclient on a terminal: the history file keeps its newest 1000 lines, mode 0600") {
  server_process srv;
  const temp_dir state;
  const env_override xdg("XDG_STATE_HOME", state.str());
  const auto file = state.path() / "msgapp" / "history";
  std::filesystem::create_directories(file.parent_path());
  {
    std::ofstream old(file);
    for (int i = 1; i <= 1005; ++i)
      old << "line " << i << '\n';
  }
  std::filesystem::permissions(file, std::filesystem::perms(0644));
  {
    terminal_client c(srv);
    c.log_in("bob");
    c.answer("> ", "whoelse");
    c.shows("nobody else is online");
    c.answer("> ", "logout");
    INFO("screen:\n" << c.screen());
    CHECK(c.wait() == 0);
  }
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 1000);
  CHECK(lines.front() == "line 8");
  CHECK(lines[lines.size() - 3] == "line 1005");
  CHECK(lines[lines.size() - 2] == "whoelse");
  CHECK(lines.back() == "logout");
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("msgclient on pipes keeps no history file") {
  server_process srv;
  const temp_dir state;
  const env_override xdg("XDG_STATE_HOME", state.str());
  auto alice = logged_in(srv, "alice");
  alice->type("whoelse");
  wait_for(*alice, "nobody else is online");
  alice->type("logout");
  CHECK(exit_status(*alice) == 0);
  CHECK_FALSE(std::filesystem::exists(state.path() / "msgapp" / "history"));
}

}  // namespace msgapp::test
