// Unit tests of server lines: the format_* functions, parse_server_line, round trips, time.
#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include <msgapp/protocol/error.hpp>
#include <msgapp/protocol/limits.hpp>
#include <msgapp/protocol/server_line.hpp>

#include "line_samples.hpp"
#include "printable.hpp"

namespace {

using namespace msgapp::protocol;
using namespace std::chrono_literals;
using msgapp::test::printable;
using msgapp::test::strip;
const auto& texts = msgapp::test::sample_texts;
using sys_time = std::chrono::system_clock::time_point;

const char* kind_name(line_kind k) {
  switch (k) {
    case line_kind::greeting:
      return "greeting";
    case line_kind::ok:
      return "ok";
    case line_kind::error:
      return "error";
    case line_kind::event:
      return "event";
  }
  return "?";
}

// Every field of a parsed line in one string, so a mismatch shows all of them.
std::string fields(const server_line& l) {
  return std::string(kind_name(l.kind)) + " word=[" + l.word + "] code=[" + l.code + "] time=[" +
         l.time + "] from=[" + l.from + "] text=[" + l.text + "]";
}

}  // namespace

TEST_CASE("format functions produce the documented lines", "[server_line]") {
  CHECK(format_greeting() == "hello msgapp 2\n");
  CHECK(format_greeting() == "hello msgapp " + std::to_string(version) + "\n");
  CHECK(format_ok("welcome alice") == "ok welcome alice\n");
  CHECK(format_ok("users") == "ok users\n");
  CHECK(format_error({errc::unknown_user, "no user named 'zed'"}) ==
        "error unknown-user no user named 'zed'\n");
  CHECK(format_error({errc::usage, "usage: logout (no arguments)"}) ==
        "error usage usage: logout (no arguments)\n");
  CHECK(format_event("msg", "2026-11-25T20:16:03Z", "alice", "hi  there ") ==
        "msg 2026-11-25T20:16:03Z alice hi  there \n");
  CHECK(format_event("presence", "2026-11-25T20:16:03Z", "bob", "logged in") ==
        "presence 2026-11-25T20:16:03Z bob logged in\n");
  CHECK(format_notice("shutdown", "the server is stopping") == "shutdown the server is stopping\n");
  CHECK(format_notice("timeout", "idle for 600 s") == "timeout idle for 600 s\n");
}

TEST_CASE("parse_server_line classifies and splits lines", "[server_line]") {
  struct parse_case {
    std::string line;
    std::string expected;
  };
  const std::vector<parse_case> cases = {
      {"hello msgapp 1", "greeting word=[hello] code=[] time=[] from=[] text=[msgapp 1]"},
      {"ok welcome alice", "ok word=[ok] code=[] time=[] from=[] text=[welcome alice]"},
      {"ok users", "ok word=[ok] code=[] time=[] from=[] text=[users]"},
      {"ok", "ok word=[ok] code=[] time=[] from=[] text=[]"},
      {"error unknown-user no user named 'x'",
       "error word=[error] code=[unknown-user] time=[] from=[] text=[no user named 'x']"},
      {"error usage usage: block <user>",
       "error word=[error] code=[usage] time=[] from=[] text=[usage: block <user>]"},
      {"msg 2026-11-25T20:16:03Z alice hi  there ",
       "event word=[msg] code=[] time=[2026-11-25T20:16:03Z] from=[alice] text=[hi  there ]"},
      {"offline 2026-11-25T20:16:03Z bob sent earlier",
       "event word=[offline] code=[] time=[2026-11-25T20:16:03Z] from=[bob] text=[sent "
       "earlier]"},
      {"broadcast 2026-11-25T20:16:03Z carol to all",
       "event word=[broadcast] code=[] time=[2026-11-25T20:16:03Z] from=[carol] text=[to all]"},
      {"presence 2026-11-25T20:16:03Z bob logged out",
       "event word=[presence] code=[] time=[2026-11-25T20:16:03Z] from=[bob] text=[logged out]"},
      {"private-offer 2026-11-25T20:16:03Z alice 0123456789abcdef0123456789abcdef",
       "event word=[private-offer] code=[] time=[2026-11-25T20:16:03Z] from=[alice] "
       "text=[0123456789abcdef0123456789abcdef]"},
      {"private-ready 2026-11-25T20:16:03Z bob 127.0.0.1 40123 0123456789abcdef0123456789abcdef",
       "event word=[private-ready] code=[] time=[2026-11-25T20:16:03Z] from=[bob] "
       "text=[127.0.0.1 40123 0123456789abcdef0123456789abcdef]"},
      {"timeout you were idle for 600 s",
       "event word=[timeout] code=[] time=[] from=[] text=[you were idle for 600 s]"},
      {"shutdown the server is shutting down",
       "event word=[shutdown] code=[] time=[] from=[] text=[the server is shutting down]"},
  };
  for (const auto& c : cases) {
    INFO("line: " << c.line);
    CHECK(fields(parse_server_line(c.line)) == c.expected);
  }
}

TEST_CASE("format_error then parse_server_line round-trips every code", "[server_line]") {
  for (int i = 0; i <= static_cast<int>(errc::no_offer); ++i) {
    const auto code = static_cast<errc>(i);
    for (const auto& text : texts) {
      if (text.empty()) continue;  // errors always carry a text
      INFO("code " << code_word(code) << ", text: " << printable(text));
      const auto parsed = parse_server_line(strip(format_error({code, text})));
      CHECK(parsed.kind == line_kind::error);
      CHECK(parsed.word == "error");
      CHECK(parsed.code == code_word(code));
      CHECK(parsed.text == text);
    }
  }
}

TEST_CASE("format_event then parse_server_line round-trips the text exactly", "[server_line]") {
  const auto time = format_time(sys_time(1'795'637'763s));
  for (const char* kind :
       {"msg", "offline", "broadcast", "presence", "private-offer", "private-ready"}) {
    for (const auto& text : texts) {
      INFO(kind << ", text: [" << printable(text) << "]");
      const auto parsed = parse_server_line(strip(format_event(kind, time, "alice.b-9", text)));
      CHECK(parsed.kind == line_kind::event);
      CHECK(parsed.word == kind);
      CHECK(parsed.time == time);
      CHECK(parsed.from == "alice.b-9");
      CHECK(parsed.text == text);
      CHECK(parsed.code.empty());
    }
  }
}

TEST_CASE("format_ok and format_notice round-trip", "[server_line]") {
  for (const auto& text : texts) {
    INFO("text: [" << printable(text) << "]");
    const auto ok = parse_server_line(strip(format_ok(text)));
    CHECK(ok.kind == line_kind::ok);
    CHECK(ok.word == "ok");
    CHECK(ok.text == text);
    for (const char* kind : {"timeout", "shutdown"}) {
      const auto notice = parse_server_line(strip(format_notice(kind, text)));
      CHECK(notice.kind == line_kind::event);
      CHECK(notice.word == kind);
      CHECK(notice.text == text);
      CHECK(notice.time.empty());
      CHECK(notice.from.empty());
    }
  }
  const auto greeting = parse_server_line(strip(format_greeting()));
  CHECK(greeting.kind == line_kind::greeting);
  CHECK(greeting.text == "msgapp " + std::to_string(version));
}

TEST_CASE("format_time gives UTC to the second", "[server_line]") {
  struct time_case {
    sys_time t;
    std::string expected;
  };
  const std::vector<time_case> cases = {
      {sys_time(0s), "1970-01-01T00:00:00Z"},
      {sys_time(999ms), "1970-01-01T00:00:00Z"},  // truncated, not rounded
      {sys_time(1s), "1970-01-01T00:00:01Z"},
      {sys_time(59s), "1970-01-01T00:00:59Z"},
      {sys_time(86'399s), "1970-01-01T23:59:59Z"},
      {sys_time(946'684'800s), "2000-01-01T00:00:00Z"},
      {sys_time(1'700'000'000s), "2023-11-14T22:13:20Z"},
      {sys_time(1'709'251'199s), "2024-02-29T23:59:59Z"},
      {sys_time(1'795'637'763s), "2026-11-25T20:16:03Z"},
      {sys_time(1'795'637'763s + 500ms), "2026-11-25T20:16:03Z"},
      {sys_time(2'147'483'648s), "2038-01-19T03:14:08Z"},
      {sys_time(4'102'444'800s), "2100-01-01T00:00:00Z"},
  };
  for (const auto& c : cases) {
    INFO("since the epoch: "
         << std::chrono::duration_cast<std::chrono::milliseconds>(c.t.time_since_epoch()).count()
         << " ms");
    CHECK(format_time(c.t) == c.expected);
  }

  const std::regex shape(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$)");
  const auto now = format_time(std::chrono::system_clock::now());
  INFO("now: " << now);
  CHECK(std::regex_match(now, shape));
  for (const auto& c : cases)
    CHECK(std::regex_match(format_time(c.t), shape));
}
