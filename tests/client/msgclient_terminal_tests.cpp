// The real msgclient on a pseudo-terminal against the real msgserver: colours, the prompt, your
// own messages, the bell, wrapping and Ctrl-C; and through pipes, that none of it leaks there.
#include <csignal>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "msgclient_fixture.hpp"
#include "pty_process.hpp"

using namespace msgapp::test;

namespace {

// msgclient on a terminal, logged in, with the place on the screen from where the next thing
// is looked for (so an earlier line is never taken for the next one).
struct terminal_user {
  terminal_user(const server_process& srv, const std::string& name,
                std::vector<std::string> extra = {}, unsigned short columns = 200,
                const std::vector<std::string>& env = {})
      : user(name), where("127.0.0.1:" + srv.port()) {
    std::vector<std::string> args{"127.0.0.1", srv.port()};
    args.insert(args.end(), extra.begin(), extra.end());
    term = std::make_unique<pty_process>(client_path, args, "xterm", columns, env);
    answer("Username: ", user);
    answer("Password: ", password_of(user));
    see("welcome");
    see("@" + where + "> ");  // the chat has begun: the first prompt
  }

  // Waits until the screen shows `text` after the last thing seen; moves past it.
  void see(std::string_view text) {
    INFO("waiting for: " << text << "\nscreen so far:\n" << term->screen());
    REQUIRE(term->shows(text, seen_to));
    seen_to = term->screen().find(text, seen_to) + text.size();
  }
  // Types a command once a prompt shows after the last line typed, as a person would: keys
  // typed between two reads would meet the terminal in its normal mode.
  void command(std::string_view line) {
    INFO("waiting for a prompt; screen so far:\n" << term->screen());
    REQUIRE(term->shows("> ", typed_at));
    typed_at = term->screen().size();
    term->type(line);
  }
  void answer(std::string_view prompt, std::string_view typed) {
    see(prompt);
    typed_at = term->screen().size();
    term->type(typed);
  }
  // What the screen showed after position `from`.
  std::string since(std::size_t from) const { return term->screen().substr(from); }

  std::string user;
  std::string where;
  std::unique_ptr<pty_process> term;
  std::size_t seen_to = 0;
  std::size_t typed_at = 0;
};

// Waits, in a client on pipes, for a reply that proves the commands before it are done.
void settle(child_process& c) {
  c.type("whoelse");
  wait_for(c, "online");
}

TEST_CASE("msgclient on a terminal: the prompt says who and where, and which private sessions") {
  server_process srv;
  terminal_user alice(srv, "alice", {"--color", "never"});
  auto bob = logged_in(srv, "bob");
  settle(*bob);
  alice.command("startprivate bob");
  alice.see("private session with bob started");
  // The prompt being edited changes at once, without a key pressed.
  alice.see("alice@" + alice.where + " [private: bob]> ");
  bob->type("stopprivate");
  wait_for(*bob, "private session with alice ended");
  alice.see("private session with bob ended by bob");
  alice.see("alice@" + alice.where + "> ");
}

TEST_CASE("msgclient on a terminal: your own messages appear once the server took them") {
  server_process srv;
  terminal_user alice(srv, "alice", {"--color", "never"});
  auto bob = logged_in(srv, "bob");
  settle(*bob);
  alice.command("message bob hi there");
  alice.see("delivered to bob");
  alice.see(" -> bob: hi there\r\n");
  alice.command("broadcast hello all");
  alice.see("broadcast to 1 user");
  alice.see(" -> everyone: hello all\r\n");
  CHECK(std::regex_search(alice.term->screen(), std::regex("\\d\\d:\\d\\d -> bob: hi there\r\n")));
  CHECK(alice.term->screen().find("alice: ") == std::string::npos);  // nothing looks from you

  bob->type("block alice");
  wait_for(*bob, "blocked alice");
  const std::size_t before = alice.seen_to;
  alice.command("message bob are you there?");
  alice.see("error:");
  alice.command("whoelse");            // its reply comes after anything the refused message caused
  alice.see("nobody else is online");  // bob is hidden from alice now
  CHECK(alice.since(before).find("-> bob: are you there?") == std::string::npos);
  bob->type("unblock alice");
  wait_for(*bob, "unblocked alice");

  alice.command("startprivate bob");
  alice.see("private session with bob started");
  alice.command("private bob psst");
  alice.see("sent to bob (private)");
  alice.see(" -> bob (private): psst\r\n");
  wait_for(*bob, "alice (private): psst");
}

TEST_CASE("msgclient on a terminal: colours for names, your name, private, errors, presence") {
  server_process srv;
  terminal_user alice(srv, "alice", {}, 200, {"NO_COLOR="});  // empty: colour stays on
  CHECK(alice.term->screen().find("\x1b[1;32malice\x1b[0m@" + alice.where + "> ") !=
        std::string::npos);
  auto bob = logged_in(srv, "bob");
  alice.see("logged in");
  // Presence is dimmed; bob has the same colour in every line.
  std::smatch m;
  const std::string& screen = alice.term->screen();
  REQUIRE(std::regex_search(
      screen, m, std::regex(" \x1b\\[0m(\x1b\\[1;3[3-6]m)bob\x1b\\[0m\x1b\\[2m logged in")));
  const std::string bob_colour = m[1];
  settle(*bob);
  bob->type("message alice hi");
  alice.see(bob_colour + "bob\x1b[0m: \x1b[1mhi\x1b[0m");
  alice.command("dance");
  alice.see("\x1b[31merror: unknown command 'dance'");
  alice.command("startprivate bob");
  alice.see("started");
  bob->type("private alice psst");
  alice.see(bob_colour + "bob\x1b[0m \x1b[1;35m(private)\x1b[0m: \x1b[1mpsst\x1b[0m");
}

TEST_CASE("msgclient on a terminal: no colours with NO_COLOR or --color never") {
  server_process srv;
  auto bob = logged_in(srv, "bob");
  for (const auto& [extra, env] :
       {std::pair<std::vector<std::string>, std::vector<std::string>>{{}, {"NO_COLOR=1"}},
        {{"--color", "never"}, {"NO_COLOR="}}}) {
    terminal_user alice(srv, "alice", extra, 200, env);
    settle(*bob);
    bob->type("message alice plain please");
    alice.see("bob: plain please");
    alice.command("dance");
    alice.see("error: unknown command 'dance'");
    alice.command("logout");
    REQUIRE(alice.term->wait() == 0);
    const std::string& screen = alice.term->screen();
    INFO(screen);
    CHECK_FALSE(std::regex_search(screen, std::regex("\x1b\\[[0-9;]*m")));  // no SGR at all
  }
}

TEST_CASE("msgclient on a terminal: a direct or private message rings the bell, unless --no-bell") {
  server_process srv;
  auto bob = logged_in(srv, "bob");
  {
    terminal_user alice(srv, "alice", {"--color", "never"});
    settle(*bob);
    bob->type("broadcast for all");
    alice.see("bob (broadcast): for all");
    bob->type("message alice ding");
    alice.see("bob: ding");
    alice.see("\a");
    alice.command("startprivate bob");
    alice.see("started");
    bob->type("private alice dong");
    alice.see("bob (private): dong");
    alice.see("\a");
    alice.command("logout");
    REQUIRE(alice.term->wait() == 0);
    // One bell each, and none for the broadcast.
    CHECK(std::count(alice.term->screen().begin(), alice.term->screen().end(), '\a') == 2);
  }
  terminal_user alice(srv, "alice", {"--color", "never", "--no-bell"});
  settle(*bob);
  bob->type("message alice quiet");
  alice.see("bob: quiet");
  alice.command("logout");
  REQUIRE(alice.term->wait() == 0);
  CHECK(alice.term->screen().find('\a') == std::string::npos);
}

TEST_CASE("msgclient on a terminal: long lines wrap at words, indented under the text") {
  server_process srv;
  terminal_user alice(srv, "alice", {"--color", "never"}, 40);
  auto bob = logged_in(srv, "bob");
  settle(*bob);
  const std::string text =
      "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike";
  bob->type("message alice " + text);
  alice.see("mike");
  const std::string shown = alice.term->screen();
  INFO(shown);
  // `12:01 bob: ` is 11 columns: every continuation row starts under the text.
  std::smatch m;
  REQUIRE(std::regex_search(
      shown, m,
      std::regex("\\d\\d:\\d\\d bob: ([a-z ]+)\r\n {11}([a-z ]+)\r\n {11}([a-z ]+)\r\n")));
  CHECK(std::string(m[1]) + " " + std::string(m[2]) + " " + std::string(m[3]) == text);
  for (int row = 1; row <= 3; ++row)
    CHECK(m[row].length() + 11 <= 40);
}

TEST_CASE("msgclient on a terminal: Ctrl-C clears a half-typed line; on an empty one, logs out") {
  server_process srv;
  terminal_user alice(srv, "alice", {"--color", "never"});
  alice.term->press("half");
  alice.see("half");
  alice.term->press("\x03");
  alice.see("alice@" + alice.where + "> ");  // drawn afresh, empty
  alice.command("whoelse");  // were "half" still there, this would be an unknown command
  alice.see("nobody else is online");
  alice.see("> ");
  alice.term->press("\x03");
  alice.see("goodbye, alice");
  CHECK(alice.term->wait() == 0);
  CHECK(alice.term->screen().find("halfwhoelse") == std::string::npos);
}

TEST_CASE("msgclient through pipes: no colour, one line per event, your messages as plain lines") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto bob = logged_in(srv, "bob");
  settle(*bob);
  const std::string long_text(1500, 'w');
  bob->type("message alice " + long_text + " end");
  CHECK(wait_for(*alice, "bob: ").ends_with("bob: " + long_text + " end"));
  alice->type("message bob hi");
  wait_for(*alice, "delivered to bob");
  CHECK(std::regex_match(wait_for(*alice, "->"), std::regex("\\d\\d:\\d\\d:\\d\\d -> bob: hi")));
  alice->type("broadcast all of you");
  wait_for(*alice, "broadcast to");
  CHECK(wait_for(*alice, "->").ends_with(" -> everyone: all of you"));
  alice->close_stdin();
  CHECK(exit_status(*alice) == 0);
  CHECK(alice->out().find('\x1b') == std::string::npos);
  CHECK(alice->out().find('\a') == std::string::npos);
  check_error_lines(*alice);
}

TEST_CASE("msgclient through pipes: --color always colours them too") {
  server_process srv;
  auto alice = start_client(srv, {"--color", "always"});
  alice->type("alice");
  alice->type(password_of("alice"));
  wait_for(*alice, "welcome");
  alice->type("dance");
  const std::string line = wait_for(*alice, "error:");
  CHECK(line.starts_with("\x1b[31merror: unknown command 'dance'"));
  CHECK(line.ends_with("\x1b[0m"));
}

}  // namespace
