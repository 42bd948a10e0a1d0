// Styled lines on a pseudo-terminal and through a pipe: our colour codes, never the network's;
// word wrapping under the text; the bell; Ctrl-C that clears a half-typed line; live prompts.
#include "test_support.hpp"

#include <msgapp/console/styled_line.hpp>

#include <pty.h>
#include <termios.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace {

using namespace console_test;

// A console on a pseudo-terminal `cols` wide, and the user at the other end of it.
struct styled_terminal {
  explicit styled_terminal(unsigned short cols = 80) : pty(cols) {
    ::setenv("TERM", "xterm", 1);
    con.emplace(io.get_executor(), pty.slave.get(), pty.slave.get(), client_max_line);
  }

  const std::string& screen() {
    shown += read_available(pty.master.get());
    return shown;
  }
  void type_keys(std::string_view keys) { write_all(pty.master.get(), keys); }
  bool shows(std::string_view text, std::size_t from = 0) {
    return pump_until(io, [&] {
      const std::string& s = screen();
      return s.size() >= from && s.find(text, from) != std::string::npos;
    });
  }

  net::io_context io;
  pseudo_terminal pty;
  std::string shown;
  std::optional<ui::console> con;
};

// A console writing into a pipe; what it wrote.
struct piped_console {
  piped_console() {
    int out[2];
    int in[2];
    REQUIRE(::pipe(out) == 0);
    REQUIRE(::pipe(in) == 0);
    out_read = fd(out[0]);
    fd out_write(out[1]);
    in_read = fd(in[0]);
    in_write = fd(in[1]);
    make_non_blocking(out_read.get());
    con.emplace(io.get_executor(), in_read.get(), out_write.get(), client_max_line);
  }
  std::string written() { return read_available(out_read.get()); }

  net::io_context io;
  fd out_read;
  fd in_read;
  fd in_write;
  std::optional<ui::console> con;
};

const ui::style red{.fg = ui::colour::red};
const ui::style bold_cyan{.fg = ui::colour::cyan, .bold = true};

ui::styled_line message(std::string_view who, std::string_view text) {
  ui::styled_line line;
  line.add("12:01", ui::style{.dim = true}).add(" ").add(who, bold_cyan).add(": ");
  line.text_starts_here();
  return line.add(text);
}

// The rows a terminal shows for one printed line: split at "\r\n", up to the first empty row.
std::vector<std::string> rows(const std::string& screen) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (auto end = screen.find("\r\n"); end != std::string::npos; end = screen.find("\r\n", at)) {
    out.push_back(screen.substr(at, end - at));
    at = end + 2;
  }
  return out;
}

TEST_CASE("a styled line gets our SGR codes, and its text cannot carry any", "[console][styled]") {
  styled_terminal t;
  t.con->use_colour(true);
  ui::styled_line line;
  line.add("error: ", red).add("evil\x1b[2Jtext\x07", red);
  t.con->print_line(line);
  REQUIRE(t.shows("\r\n"));
  CHECK(t.screen() == "\x1b[31merror: evil?[2Jtext?\x1b[0m\r\n");
}

TEST_CASE("each style change switches the codes, and every row ends reset", "[console][styled]") {
  styled_terminal t;
  t.con->use_colour(true);
  t.con->print_line(message("bob", "hi"));
  REQUIRE(t.shows("hi\r\n"));
  CHECK(t.screen() == "\x1b[2m12:01\x1b[0m \x1b[1;36mbob\x1b[0m: hi\r\n");
}

TEST_CASE("without use_colour a styled line is its plain text", "[console][styled]") {
  styled_terminal t;
  t.con->print_line(message("bob", "hi"));
  REQUIRE(t.shows("\r\n"));
  CHECK(t.screen() == "12:01 bob: hi\r\n");
  CHECK(t.con->terminal_output());
  CHECK(t.con->ansi_output());
}

TEST_CASE("a long styled line wraps at spaces, indented under the text", "[console][styled]") {
  styled_terminal t(30);
  t.con->print_line(message("bob", "the quick brown fox jumps over the lazy dog and away"));
  REQUIRE(t.shows("away\r\n"));
  CHECK(rows(t.screen()) == std::vector<std::string>{"12:01 bob: the quick brown fox",
                                                     "           jumps over the lazy",
                                                     "           dog and away"});
}

TEST_CASE("wrapping keeps colours off the indent and counts wide characters as two",
          "[console][styled]") {
  styled_terminal t(20);
  t.con->use_colour(true);
  ui::styled_line line;
  line.add("ann: ").text_starts_here().add(
      "\xe4\xbd\xa0\xe5\xa5\xbd \xe4\xbd\xa0\xe5\xa5\xbd "
      "\xe4\xbd\xa0\xe5\xa5\xbd \xe4\xbd\xa0\xe5\xa5\xbd",
      red);
  t.con->print_line(line);
  REQUIRE(t.shows("\x1b[0m\r\n     \x1b[31m"));
  // "ann: " is 5 columns and each pair of CJK characters 4: three pairs and two spaces fill 19.
  const auto r = rows(t.screen());
  REQUIRE(r.size() == 2);
  CHECK(r[0] ==
        "ann: \x1b[31m\xe4\xbd\xa0\xe5\xa5\xbd \xe4\xbd\xa0\xe5\xa5\xbd "
        "\xe4\xbd\xa0\xe5\xa5\xbd\x1b[0m");
  CHECK(r[1] == "     \x1b[31m\xe4\xbd\xa0\xe5\xa5\xbd\x1b[0m");
}

TEST_CASE("a word longer than a row is cut between characters, never inside one",
          "[console][styled]") {
  styled_terminal t(10);
  std::string word;
  for (int i = 0; i < 15; ++i)
    word += "\xc3\xa9";  // é, two bytes, one column
  ui::styled_line line;
  line.add(word);
  t.con->print_line(line);
  REQUIRE(t.shows("\r\n"));
  const auto r = rows(t.screen());
  REQUIRE(r.size() == 2);
  CHECK(r[0] == word.substr(0, 20));  // ten characters fill the row
  CHECK(r[1] == word.substr(20));
}

TEST_CASE("a styled line into a pipe is one line, coloured only when asked", "[console][styled]") {
  piped_console p;
  const std::string text(300, 'x');
  p.con->print_line(message("bob", "evil\x1b]0;t\x07 " + text));
  CHECK(p.written() == "12:01 bob: evil\\x1b]0;t\\x07 " + text + "\n");
  CHECK_FALSE(p.con->terminal_output());
  CHECK_FALSE(p.con->ansi_output());
  p.con->use_colour(true);
  ui::styled_line line;
  line.add("error: no", red);
  p.con->print_line(line);
  CHECK(p.written() == "\x1b[31merror: no\x1b[0m\n");
}

TEST_CASE("the bell rings on a terminal and never into a pipe", "[console][styled]") {
  styled_terminal t;
  t.con->bell();
  CHECK(t.shows("\a"));
  piped_console p;
  p.con->bell();
  CHECK(p.written().empty());
}

TEST_CASE("Ctrl-C on a half-typed line clears it and reading goes on; on an empty line it ends",
          "[console][styled][signal]") {
  styled_terminal t;
  const std::size_t start = t.screen().size();
  pending_read read = console_test::start(t.io, t.con->read_line("> "));
  REQUIRE(t.shows("> ", start));
  t.type_keys("half");
  REQUIRE(t.shows("half"));
  const std::size_t before = t.screen().size();
  std::raise(SIGINT);  // the pty is not the test's controlling terminal: send what ^C sends
  REQUIRE(t.shows("\r\x1b[J> ", before));
  pump_for(t.io, 50ms);
  CHECK_FALSE(ready(read));
  t.type_keys("again\r");
  CHECK(finish(t.io, read) == "line 'again'");

  read = console_test::start(t.io, t.con->read_line("> "));
  pump_for(t.io, 20ms);
  std::raise(SIGINT);
  CHECK(finish(t.io, read) == "interrupted");
}

TEST_CASE(
    "set_prompt redraws the prompt of the line being edited, and its colour codes take no "
    "room",
    "[console][styled]") {
  styled_terminal t;
  pending_read read = console_test::start(t.io, t.con->read_line("a> "));
  REQUIRE(t.shows("a> "));
  t.type_keys("typed");
  REQUIRE(t.shows("typed"));
  const std::size_t before = t.screen().size();
  t.con->set_prompt("\1\x1b[32m\2b\1\x1b[0m\2 [private: bob]> ");
  REQUIRE(t.shows("[private: bob]> typed", before));
  CHECK(t.screen().find('\1') == std::string::npos);
  CHECK(t.screen().find('\2') == std::string::npos);
  CHECK(t.screen().find("\x1b[32mb\x1b[0m", before) != std::string::npos);
  t.type_keys("!\r");
  CHECK(finish(t.io, read) == "line 'typed!'");
}

}  // namespace
