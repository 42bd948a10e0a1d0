// msgclient's display: every line made of network text comes out safe to print, each field.
#include <cstdlib>
#include <ctime>

#include <catch2/catch.hpp>

#include "display.hpp"

namespace {

using namespace msgapp::apps;
using msgapp::client::p2p_event;
using msgapp::protocol::parse_server_line;

// ESC ] 0 ; title BEL, an 8-bit CSI as UTF-8, a right-to-left override, a stray byte.
const std::string evil = "\x1b]0;t\x07\xc2\x9b\xe2\x80\xae\xff";
const std::string evil_shown = "\\x1b]0;t\\x07\\u009b\\u202e\\xff";

TEST_CASE("every reply and event line shows the server's bytes as escapes") {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  const auto cmd = [](const char* line) { return *parse_user_command(line); };
  CHECK(show_reply(cmd("block bob"), parse_server_line("ok " + evil)) == evil_shown);
  CHECK(show_reply(cmd("block bob"), parse_server_line("error usage " + evil)) ==
        "error: " + evil_shown);
  CHECK(show_reply(cmd("whoelse"), parse_server_line("ok users " + evil + " bob")) ==
        "online now: " + evil_shown + ", bob");
  CHECK(show_reply(cmd("whoelsesince 9"), parse_server_line("ok users " + evil)) ==
        "online in that time: " + evil_shown);
  CHECK(show_login_error(parse_server_line("error login-blocked " + evil)) ==
        "error: blocked: " + evil_shown);
  CHECK(show_event(parse_server_line("msg 2026-11-25T20:16:09Z " + evil + " " + evil)) ==
        "20:16:09 " + evil_shown + ": " + evil_shown);
  CHECK(show_event(parse_server_line("stored 2026-11-25T20:16:09Z " + evil + " 3 " + evil)) ==
        "2026-11-25 20:16:09 " + evil_shown + " (offline message): " + evil_shown);
  CHECK(show_event(parse_server_line("presence " + evil + " " + evil + " logged out")) ==
        evil_shown + " " + evil_shown + " logged out");
  CHECK(show_event(parse_server_line("shutdown " + evil)) ==
        "the server is shutting down: " + evil_shown);  // nobody's error (issue 14)
  CHECK(show_event(parse_server_line("news-of-v3 " + evil)) == "news-of-v3 " + evil_shown);
  CHECK(local_time(evil, true) == evil_shown);
}

TEST_CASE("private-session lines show the peer's name and text as escapes") {
  const auto noon = std::chrono::system_clock::from_time_t(12 * 3600);
  p2p_event e;
  e.peer = evil;
  e.what = p2p_event::kind::started;
  CHECK(show_private(e, noon) == "private session with " + evil_shown + " started");
  e.what = p2p_event::kind::message;
  e.text = "\xe2\x81\xa6hi";  // the private wire refuses controls, but not bidi isolates
  CHECK(show_private(e, noon).ends_with(evil_shown + " (private): \\u2066hi"));
  e.what = p2p_event::kind::failed;
  e.text = evil;
  CHECK(show_private(e, noon) ==
        "error: private session with " + evil_shown + " failed: " + evil_shown);
  e.what = p2p_event::kind::ended;
  e.end = p2p_event::end_reason::peer_stopped;
  CHECK(show_private(e, noon) == "private session with " + evil_shown + " ended by " + evil_shown);
}

}  // namespace
