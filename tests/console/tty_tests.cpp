// The console on a pseudo-terminal: editing, redraws, Tab, history, Ctrl-D/C, silent passwords.
//
// The test plays the user on the pty's master side and the console runs on the slave side in
// the same thread. Every wait is for something to appear (with a time limit), never a sleep
// followed by a hard-coded expectation, so the tests are deterministic.
#include "test_support.hpp"

#include <pty.h>
#include <termios.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <stdexcept>

// libedit 3.1-20221030 leaks what it allocated for an editor (key function names, terminal
// capabilities) when rl_initialize() replaces it. Only a process that edits a second terminal
// does that: these tests, never msgclient. libedit has no frame pointers, so LeakSanitizer
// needs the slow unwinder to see rl_initialize in those stacks. Both hooks are read by the
// sanitizers in the asan build and unused otherwise.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:rl_initialize\n";
}
extern "C" const char* __asan_default_options() {
  return "fast_unwind_on_malloc=0";
}

namespace {

using namespace console_test;

// A console editing a pseudo-terminal, and the user at the other end of it.
struct terminal_session {
  explicit terminal_session(std::size_t max_line = client_max_line, const char* term = "xterm",
                            unsigned short cols = 80)
      : pty(cols), con(make_console(io, pty, max_line, term)) {}

  // Returns a prvalue, so the non-movable console is built in place.
  static ui::console make_console(net::io_context& io, const pseudo_terminal& pty,
                                  std::size_t max_line, const char* term) {
    ::setenv("TERM", term, 1);  // the console decides at construction whether to edit
    return ui::console(io.get_executor(), pty.slave.get(), pty.slave.get(), max_line);
  }

  void type(std::string_view keys) { write_all(pty.master.get(), keys); }

  // Everything the terminal has shown so far.
  const std::string& screen() {
    shown += read_available(pty.master.get());
    return shown;
  }

  // Runs the console until the screen shows `text` after position `from`.
  bool shows(std::string_view text, std::size_t from = 0) {
    return pump_until(io, [&] {
      const std::string& s = screen();
      return s.size() >= from && s.find(text, from) != std::string::npos;
    });
  }

  // Starts a read and waits until its prompt is on the screen, so keys typed next reach the
  // editor rather than the kernel's line discipline (which would echo them first).
  pending_read prompted(net::awaitable<ui::console_input> read, std::string_view prompt) {
    const std::size_t from = screen().size();
    pending_read pending = start(io, std::move(read));
    REQUIRE(shows(prompt, from));
    return pending;
  }
  pending_read read_line(std::string prompt = "> ") {
    return prompted(con.read_line(prompt), prompt);
  }
  pending_read read_password() { return prompted(con.read_password("Password: "), "Password: "); }

  std::string line_from(pending_read& read) { return finish(io, read); }

  net::io_context io;
  pseudo_terminal pty;
  std::string shown;
  ui::console con;
};

TEST_CASE("a terminal shows the prompt and returns the typed line", "[console][tty]") {
  terminal_session t;
  CHECK(t.con.interactive());
  pending_read read = t.read_line();
  CHECK_FALSE(t.pty.canonical());  // libedit edits: the kernel no longer does
  t.type("hello world\r");
  CHECK(t.line_from(read) == "line 'hello world'");
  CHECK(t.shows("hello world"));
  CHECK(t.pty.canonical());
  CHECK(t.pty.echoes());
}

TEST_CASE("the terminal never turns non-blocking, so other writers to it cannot fail",
          "[console][tty]") {
  terminal_session t;
  const auto non_blocking = [&] { return (::fcntl(t.pty.slave.get(), F_GETFL) & O_NONBLOCK) != 0; };
  pending_read read = t.read_line();
  CHECK_FALSE(non_blocking());
  t.type("a\r");
  CHECK(t.line_from(read) == "line 'a'");
  read = t.read_password();
  CHECK_FALSE(non_blocking());
  t.type("b\r");
  CHECK(t.line_from(read) == "line 'b'");
  CHECK_FALSE(non_blocking());
}

TEST_CASE("print_line while typing clears the prompt, prints, redraws prompt and input",
          "[console][tty]") {
  terminal_session t;
  pending_read read = t.read_line();
  t.type("hel");
  REQUIRE(t.shows("hel"));
  t.type("\x1b[D");  // Left: the cursor is now between "he" and "l"
  REQUIRE(t.shows("hel\x08"));
  const std::size_t before = t.screen().size();

  t.con.print_line("alice: hi there");
  REQUIRE(t.shows("> hel", before));
  const std::string after = t.screen().substr(before);
  const std::size_t printed = after.find("\r\x1b[Jalice: hi there\r\n");
  CHECK(printed != std::string::npos);
  CHECK(after.find("> hel", printed) != std::string::npos);  // redrawn below the printed line

  t.type("X\r");  // typed at the cursor, which the redraw kept in place
  CHECK(t.line_from(read) == "line 'heXl'");
}

TEST_CASE("print_line while a long input wraps goes up to the prompt's row first",
          "[console][tty]") {
  terminal_session t(client_max_line, "xterm", 40);
  pending_read read = t.read_line();
  const std::string input(50, 'w');  // "> " plus 50 characters: the cursor is on the 2nd row
  t.type(input);
  REQUIRE(pump_until(t.io, [&] { return std::ranges::count(t.screen(), 'w') == 50; }));
  const std::size_t before = t.screen().size();
  t.con.print_line("bob: hey");
  REQUIRE(t.shows("bob: hey", before));
  CHECK(t.screen().find("\x1b[1A\r\x1b[Jbob: hey\r\n", before) != std::string::npos);
  t.type("\r");
  CHECK(t.line_from(read) == "line '" + input + "'");
}

TEST_CASE("Ctrl-D on an empty line is eof and the terminal is normal again", "[console][tty]") {
  terminal_session t;
  pending_read read = t.read_line();
  t.type("\x04");
  CHECK(t.line_from(read) == "eof");
  CHECK(t.pty.canonical());
  CHECK(t.pty.echoes());
}

TEST_CASE("Tab completes command names first and the supplied names after", "[console][tty]") {
  terminal_session t;
  t.con.set_commands({"message", "broadcast", "block", "unblock", "logout"});
  t.con.set_names({"alice", "albert", "bob"});

  pending_read read = t.read_line();
  t.type("mes\t");
  REQUIRE(t.shows("sage "));
  t.type("b\thi\r");
  CHECK(t.line_from(read) == "line 'message bob hi'");

  t.con.set_names({"alice", "albert", "bob", "carol"});  // the client updates who is online
  read = t.read_line();
  t.type("unb\tca\t\r");
  CHECK(t.line_from(read) == "line 'unblock carol '");

  read = t.read_line();
  t.type("block al\t");  // ambiguous: completes the common part only
  REQUIRE(t.shows("block al"));
  t.type("i\t\r");
  CHECK(t.line_from(read) == "line 'block alice '");
}

TEST_CASE("UTF-8 text is typed, completed and printed intact", "[console][tty]") {
  terminal_session t;  // the test process never called setlocale: the console must cope
  t.con.set_commands({"message"});
  t.con.set_names({"zo\xc3\xab", "j\xc3\xbcrgen"});
  pending_read read = t.read_line("\xe2\x9e\x9c ");
  t.type("mes\tzo\t");
  REQUIRE(t.shows("\xc3\xab "));  // libedit draws only what the completion added
  t.type("gr\xc3\xbc\xc3\x9f dich");
  REQUIRE(t.shows("dich"));
  const std::size_t before = t.screen().size();
  t.con.print_line("j\xc3\xbcrgen: \xc2\xa1hola!");
  REQUIRE(t.shows("j\xc3\xbcrgen: \xc2\xa1hola!\r\n", before));
  t.type("\r");
  CHECK(t.line_from(read) == "line 'message zo\xc3\xab gr\xc3\xbc\xc3\x9f dich'");
}

TEST_CASE("Up recalls earlier lines, and passwords never enter the history", "[console][tty]") {
  terminal_session t;
  for (const char* line : {"first\r", "second\r", "second\r"}) {
    pending_read read = t.read_line();
    t.type(line);
    CHECK(t.line_from(read).starts_with("line"));
  }
  pending_read secret = t.read_password();
  t.type("topsecret\r");
  CHECK(t.line_from(secret) == "line 'topsecret'");

  pending_read read = t.read_line();
  t.type("\x1b[A\r");
  CHECK(t.line_from(read) == "line 'second'");
  read = t.read_line();
  t.type("\x1b[A\x1b[A\r");  // "second" was entered twice in a row but is remembered once
  CHECK(t.line_from(read) == "line 'first'");
}

TEST_CASE("the password prompt does not echo, and echo comes back", "[console][tty]") {
  terminal_session t;
  pending_read read = t.read_password();
  CHECK_FALSE(t.pty.echoes());
  const std::size_t prompt_end = t.screen().size();

  t.con.print_line("bob: hey");  // a message arriving mid-password keeps the prompt intact
  REQUIRE(t.shows("bob: hey\r\nPassword: ", prompt_end));

  t.type("hunter2\r");
  CHECK(t.line_from(read) == "line 'hunter2'");
  CHECK(t.screen().find("hunter2") == std::string::npos);  // the kernel echoes as keys arrive
  CHECK(t.pty.echoes());
  CHECK(t.pty.canonical());
}

TEST_CASE("Ctrl-C at the password prompt is interrupted, and echo is restored",
          "[console][tty][signal]") {
  terminal_session t;
  pending_read read = t.read_password();
  REQUIRE_FALSE(t.pty.echoes());
  t.type("half");
  // The pty is not the test's controlling terminal, so typing ^C would signal nobody:
  // send the SIGINT that the terminal would send.
  std::raise(SIGINT);
  CHECK(t.line_from(read) == "interrupted");
  CHECK(t.pty.echoes());
}

TEST_CASE("cancelling the password read restores echo too", "[console][tty]") {
  terminal_session t;
  net::cancellation_signal cancel;
  pending_read read = net::co_spawn(t.io, t.con.read_password("Password: "),
                                    net::bind_cancellation_slot(cancel.slot(), net::use_future));
  REQUIRE(t.shows("Password: "));
  REQUIRE_FALSE(t.pty.echoes());
  cancel.emit(net::cancellation_type::terminal);
  CHECK(t.line_from(read) == "eof");
  CHECK(t.pty.echoes());
}

TEST_CASE("Ctrl-C while editing an empty line is interrupted, and the next read starts afresh",
          "[console][tty][signal]") {
  terminal_session t;
  pending_read read = t.read_line();
  t.type("half");
  REQUIRE(t.shows("half"));
  std::raise(SIGINT);          // a half-typed line is only cleared (styled_tests.cpp)
  t.type("\x7f\x7f\x7f\x7f");  // Backspace: empty again
  REQUIRE(t.shows("> "));
  pump_for(t.io, 20ms);
  std::raise(SIGINT);
  CHECK(t.line_from(read) == "interrupted");
  CHECK(t.pty.canonical());
  CHECK(t.pty.echoes());

  read = t.read_line();
  t.type("again\r");
  CHECK(t.line_from(read) == "line 'again'");
}

TEST_CASE("a terminal that hangs up ends the read with eof", "[console][tty]") {
  SECTION("while editing") {
    terminal_session t;
    pending_read read = t.read_line();
    t.type("half");
    REQUIRE(t.shows("half"));
    t.pty.master.reset();  // the terminal window closes
    CHECK(t.line_from(read) == "eof");
  }
  SECTION("at the password prompt") {
    terminal_session t;
    pending_read read = t.read_password();
    t.pty.master.reset();
    CHECK(t.line_from(read) == "eof");
  }
}

TEST_CASE("an over-long edited line is too_long, and editing goes on", "[console][tty]") {
  terminal_session t(10);
  pending_read read = t.read_line();
  t.type(std::string(11, 'z') + "\r");
  CHECK(t.line_from(read) == "too_long");
  read = t.read_line();
  t.type(std::string(10, 'k') + "\r");
  CHECK(t.line_from(read) == "line 'kkkkkkkkkk'");
}

TEST_CASE("print_line shows control characters as '?' on a terminal", "[console][tty]") {
  terminal_session t;
  t.con.print_line("evil\x1b]0;title\x07 end");
  CHECK(t.shows("evil?]0;title? end\r\n"));
}

TEST_CASE("only one console at a time may edit a terminal", "[console][tty]") {
  std::optional<terminal_session> first;
  first.emplace();
  pseudo_terminal other;
  net::io_context io;
  CHECK_THROWS_AS(
      ui::console(io.get_executor(), other.slave.get(), other.slave.get(), client_max_line),
      std::logic_error);
  first.reset();
  ui::console second(io.get_executor(), other.slave.get(), other.slave.get(), client_max_line);
  CHECK(second.interactive());
}

TEST_CASE("TERM=dumb: no editing, but prompts and the kernel's line editing still work",
          "[console][tty]") {
  terminal_session t(client_max_line, "dumb");
  pending_read read = t.read_line();
  CHECK(t.pty.canonical());
  t.type("plain\x7fN\n");  // the kernel handles Backspace
  CHECK(t.line_from(read) == "line 'plaiN'");
  ::setenv("TERM", "xterm", 1);
}

}  // namespace
