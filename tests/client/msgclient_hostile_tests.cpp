// The real msgclient against a hostile fake server, through a pipe and on a pseudo-terminal:
// every terminal-steering sequence the server sends reaches the output only as a visible escape.
#include <msgapp/protocol/text_rules.hpp>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "fake_server.hpp"
#include "msgclient_fixture.hpp"
#include "pty_process.hpp"

using namespace msgapp::test;
using namespace std::string_literals;

namespace {

// Each hostile sequence, and how msgclient must show it.
struct hostile_piece {
  std::string sent;
  std::string shown;
};
const std::vector<hostile_piece> pieces = {
    {"\x1b]0;title\x07", "\\x1b]0;title\\x07"},              // sets the window title
    {"\x1b]52;c;aGVsbG8=\x07", "\\x1b]52;c;aGVsbG8=\\x07"},  // writes the clipboard
    {"\x1b[2J", "\\x1b[2J"},                                 // clears the screen
    {"\x9b"
     "6n",
     "\\x9b6n"},  // 8-bit CSI, raw
    {"\xc2\x9b"
     "6n",
     "\\u009b6n"},                                             // 8-bit CSI as UTF-8
    {"del\x7f", "del\\x7f"},                                   // DEL
    {"nul"s + '\0' + "cr\rtab\t", "nul\\x00cr\\x0dtab\\x09"},  // other C0 controls
    {"\xc0\xaf", "\\xc0\\xaf"},                                // overlong
    {"\xed\xa0\x80", "\\xed\\xa0\\x80"},                       // surrogate
    {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},              // past U+10FFFF
    {"\xe2\x80\xae"
     "evil",
     "\\u202eevil"},  // right-to-left override
    {"\xe2\x81\xa6"
     "iso",
     "\\u2066iso"},                                            // left-to-right isolate
    {"caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80",  // ordinary text stays exact
     "caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80"},
    {"end\xe2\x82", "end\\xe2\\x82"},  // truncated, at the end of the line
};

std::string joined(std::string hostile_piece::*part) {
  std::string out;
  for (const auto& p : pieces)
    out += (out.empty() ? "" : " ") + p.*part;
  return out;
}

const std::string text = joined(&hostile_piece::sent);
const std::string text_shown = joined(&hostile_piece::shown);
// One word (names and times are single words on the wire).
const std::string name =
    "m\x1b]0;t\x07"
    "al\x9b"
    "l\xc2\x9b"
    "o\xe2\x80\xae"
    "ry\x7f";
const std::string name_shown = "m\\x1b]0;t\\x07al\\x9bl\\u009bo\\u202ery\\x7f";
const std::string time_word = "\x1b[2J\x1b[H";
const std::string time_shown = "\\x1b[2J\\x1b[H";

// Answers msgclient like a server would, with hostile bytes in every field that is shown: the
// first login is refused, the second is welcomed with a burst of events; `unblock` ends it.
fake_server::script hostile_server(std::string database_id) {
  auto logins = std::make_shared<int>(0);
  return [logins, database_id](std::string_view line) -> fake_answer {
    const auto word = line.substr(0, line.find(' '));
    const auto rest = std::string(line.substr(word.size() + (word.size() < line.size())));
    if (word == "receipts") return {"ok receipts " + database_id + "\n"};
    if (word == "privateport") return {"ok private sessions on port " + rest + "\n"};
    if (word == "login" && ++*logins == 1) return {"error wrong-password " + text + "\n"};
    if (word == "login") {
      return {
          "ok welcome alice\n"
          "msg 2026-11-25T20:16:03Z " +
          name + " " + text +
          "\n"
          "broadcast 2026-11-25T20:16:04Z " +
          name + " " + text +
          "\n"
          "offline 2026-11-25T20:16:05Z " +
          name + " " + text +
          "\n"
          "stored 2026-11-25T20:16:06Z " +
          name + " 7 " + text +
          "\n"
          "presence 2026-11-25T20:16:07Z " +
          name +
          " logged in\n"
          "msg " +
          time_word + " carol " + text +
          "\n"
          "private-ready 2026-11-25T20:16:08Z " +
          name +
          " nowhere 1 token\n"
          "weird-event " +
          text +
          "\n"
          "msg 2026-11-25T20:16:09Z carol end of the burst\n"};
    }
    if (word == "whoelse") return {"ok users " + name + " bob\n"};
    if (word == "confirm") return {"ok confirmed " + rest + "\n"};
    if (word == "active") return {"ok active\n"};
    if (word == "message") return {"error usage " + text + "\n"};
    if (word == "block") return {"ok " + text + "\n"};
    if (word == "unblock") return {"ok unblocked bob\nshutdown " + text + "\n", true};
    return {"error bad-command " + text + "\n"};
  };
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

// Every place the server's bytes are shown, each as its visible escapes.
void check_every_field_shown(const std::string& out) {
  CHECK(count(out, "error: " + text_shown) == 2);  // the wrong password, the usage error
  CHECK(count(out, " " + name_shown + ": " + text_shown) == 1);
  CHECK(count(out, " " + name_shown + " (broadcast): " + text_shown) == 1);
  CHECK(count(out, " " + name_shown + " (offline message): " + text_shown) == 2);
  CHECK(count(out, " " + name_shown + " logged in") == 1);
  CHECK(count(out, time_shown + " carol: " + text_shown) == 1);
  CHECK(count(out, "weird-event " + text_shown) == 1);
  CHECK(count(out, "online now: " + name_shown + ", bob") == 1);
  CHECK(count(out, "the server is shutting down: " + text_shown) == 1);
  CHECK(count(out, "error: the server is shutting down") == 0);  // nobody's error (issue 14)
  // The `ok` reply to block is shown as its text alone: the one place without a prefix.
  CHECK(count(out, text_shown) == 10);
}

// Nothing of what the server sent can steer the terminal. On a terminal that edits lines, the
// console's own cursor sequences (ESC [ K and the like) are allowed, and nothing else.
void check_nothing_steers(const std::string& out, bool terminal, bool editing) {
  CHECK(msgapp::protocol::is_valid_utf8(out));  // so no raw 0x9B, and no broken sequence
  for (unsigned c = 0x80; c <= 0x9F; ++c) {
    INFO("C1 control U+00" << std::hex << c);
    CHECK(out.find("\xc2"s + static_cast<char>(c)) == std::string::npos);
  }
  for (const char* bidi :
       {"\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad", "\xe2\x80\xae",
        "\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9"}) {
    CHECK(out.find(bidi) == std::string::npos);
  }
  CHECK(out.find('\x7f') == std::string::npos);
  CHECK(out.find("\x1b]") == std::string::npos);  // no title, no clipboard
  CHECK(out.find("\x1b[2J") == std::string::npos);
  CHECK(out.find("\x1b[H") == std::string::npos);
  CHECK(out.find('\x07') == std::string::npos);
  for (const char c : out) {
    const auto u = static_cast<unsigned char>(c);
    const bool allowed = c == '\n' || (terminal && c == '\r') || (editing && c == '\x1b');
    if (u < 0x20 && !allowed) FAIL("control byte " << unsigned(u) << " in the output");
  }
}

TEST_CASE("msgclient through a pipe: a hostile server's bytes are shown only as escapes") {
  fake_server server(hostile_server("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
  child_process c(client_path, {"127.0.0.1", server.port()}, {}, as_seen);
  c.type("alice");
  c.type("wrong");
  wait_for(c, "error: ");  // a try typed ahead of the refusal would end the client unsent
  c.type("right");
  wait_for(c, "end of the burst");
  for (const char* typed : {"whoelse", "message bob hi", "block bob", "unblock bob"})
    c.type(typed);
  CHECK(exit_status(c) == 1);  // the server shut down
  INFO("output:\n" << c.out());
  check_every_field_shown(c.out());
  check_nothing_steers(c.out(), false, false);
}

// On a terminal: TERM=dumb prints plainly (so no ESC at all may appear), xterm edits lines.
TEST_CASE("msgclient on a terminal: a hostile server's bytes are shown only as escapes") {
  for (const char* term : {"dumb", "xterm"}) {
    DYNAMIC_SECTION("TERM=" << term) {
      const bool editing = std::string_view(term) == "xterm";
      fake_server server(hostile_server(editing ? "cccccccccccccccccccccccccccccccc"
                                                : "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
      // No colours, bells or wrapping of our own (tested in msgclient_terminal_tests): here
      // every byte on the screen that is not text must be the console's cursor movement.
      // The fake server takes one connection: once it has shut down, nothing would answer a
      // reconnecting client.
      pty_process c(client_path,
                    {"127.0.0.1", server.port(), "--color", "never", "--no-bell", "--no-reconnect"},
                    term, 1000);
      // Each line is typed once its prompt shows, as a person would: the console decides how
      // the terminal reads only when it asks. Output is searched from where the last line was
      // typed, so an earlier prompt is never taken for the next one.
      std::size_t typed_at = 0;
      const auto answer = [&](std::string_view prompt, std::string_view typed) {
        INFO("waiting for " << prompt << "; screen so far:\n" << c.screen());
        REQUIRE(c.shows(prompt, typed_at));
        typed_at = c.screen().size();
        c.type(typed);
      };
      answer("Username: ", "alice");
      answer("Password: ", "wrong");
      answer("Password: ", "right");
      REQUIRE(c.shows("end of the burst", typed_at));
      for (const char* typed : {"whoelse", "message bob hi", "block bob", "unblock bob"})
        answer("> ", typed);
      const auto status = c.wait();
      INFO("screen:\n" << c.screen());
      CHECK(status == 1);
      check_every_field_shown(c.screen());
      check_nothing_steers(c.screen(), true, editing);
    }
  }
}

}  // namespace
