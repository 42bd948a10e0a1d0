// Unit tests of typed events: each format gives the documented line, and parse_event reads it back.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <msgapp/protocol/event.hpp>
#include <msgapp/protocol/server_line.hpp>

#include "line_samples.hpp"
#include "printable.hpp"

namespace {

using namespace msgapp::protocol;
using msgapp::test::printable;
using msgapp::test::strip;
const auto& texts = msgapp::test::sample_texts;

constexpr const char* t = "2026-11-25T20:16:03Z";
constexpr const char* token = "0123456789abcdef0123456789abcdef";

std::vector<event> samples() {
  std::vector<event> out;
  for (const auto& text : texts) {
    out.emplace_back(msg_event{t, "alice", text});
    out.emplace_back(offline_event{t, "bob.b-9", text});
    out.emplace_back(stored_event{t, "bob", 7, text});
    out.emplace_back(broadcast_event{t, "carol_1", text});
    out.emplace_back(timeout_event{text});
    out.emplace_back(shutdown_event{text});
    out.emplace_back(idle_warning_event{30, text});
  }
  out.emplace_back(presence_event{t, "bob", presence_change::logged_in});
  out.emplace_back(presence_event{t, "bob", presence_change::logged_out});
  out.emplace_back(private_offer_event{t, "alice", token});
  out.emplace_back(private_ready_event{t, "bob", "127.0.0.1", 40123, token});
  out.emplace_back(private_ready_event{t, "bob", "::1", 65535, "ab"});
  return out;
}

}  // namespace

TEST_CASE("event formats give the documented lines", "[event]") {
  CHECK(format_msg(t, "alice", "hi  there ") == "msg 2026-11-25T20:16:03Z alice hi  there \n");
  CHECK(format_offline(t, "bob", "sent earlier") ==
        "offline 2026-11-25T20:16:03Z bob sent earlier\n");
  CHECK(format_stored(t, "bob", 42, "sent earlier") ==
        "stored 2026-11-25T20:16:03Z bob 42 sent earlier\n");
  CHECK(format_broadcast(t, "carol", "to all") == "broadcast 2026-11-25T20:16:03Z carol to all\n");
  CHECK(format_presence(t, "bob", presence_change::logged_in) ==
        "presence 2026-11-25T20:16:03Z bob logged in\n");
  CHECK(format_presence(t, "bob", presence_change::logged_out) ==
        "presence 2026-11-25T20:16:03Z bob logged out\n");
  CHECK(format_private_offer(t, "alice", token) ==
        "private-offer 2026-11-25T20:16:03Z alice 0123456789abcdef0123456789abcdef\n");
  CHECK(format_private_ready(t, "bob", "127.0.0.1", 40123, token) ==
        "private-ready 2026-11-25T20:16:03Z bob 127.0.0.1 40123 "
        "0123456789abcdef0123456789abcdef\n");
  CHECK(format_timeout("timed out after 600 s without a command; logged out") ==
        "timeout timed out after 600 s without a command; logged out\n");
  CHECK(format_shutdown("the server is shutting down") == "shutdown the server is shutting down\n");
  CHECK(format_idle_warning(60, "you will be signed off in 60 s") ==
        "idle-warning 60 you will be signed off in 60 s\n");
  const event e = msg_event{t, "alice", "hi"};
  CHECK(format(e) == "msg 2026-11-25T20:16:03Z alice hi\n");
}

TEST_CASE("parse_event reads back every formatted event exactly", "[event]") {
  for (const auto& e : samples()) {
    const auto line = format(e);
    INFO("line: " << printable(line));
    const auto body = strip(line);
    CHECK(body.find('\n') == std::string::npos);
    const auto parsed = parse_event(body);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == e);
    CHECK(format(*parsed) == line);
    // The generic reader agrees that it is an event, with the same first word.
    const auto generic = parse_server_line(body);
    CHECK(generic.kind == line_kind::event);
    CHECK(body.rfind(generic.word + " ", 0) == 0);
    CHECK(to_event(generic) == parsed);
  }
}

TEST_CASE("parse_event refuses lines that are not well-formed events", "[event]") {
  const std::vector<std::string> lines = {
      "hello msgapp 1",
      "ok delivered to bob",
      "error unknown-user no user named 'x'",
      "",
      "msg",
      "msg 2026-11-25T20:16:03Z",
      "msg  alice hi",
      // Empty time and sender (found by fuzz_protocol): the text must not slide into them.
      "msg   2026-11-25T20:16:03Z alice hi",
      "offline   2026-11-25T20:16:03Z bob later",
      "presence 2026-11-25T20:16:03Z bob danced",
      "presence 2026-11-25T20:16:03Z bob logged in ",
      "presence 2026-11-25T20:16:03Z bob",
      "private-offer 2026-11-25T20:16:03Z alice",
      "private-offer 2026-11-25T20:16:03Z alice tok extra",
      "private-ready 2026-11-25T20:16:03Z bob 127.0.0.1 0 tok",
      "private-ready 2026-11-25T20:16:03Z bob 127.0.0.1 65536 tok",
      "private-ready 2026-11-25T20:16:03Z bob 127.0.0.1 4x tok",
      "private-ready 2026-11-25T20:16:03Z bob 127.0.0.1 40123",
      "private-ready 2026-11-25T20:16:03Z bob 127.0.0.1 40123 tok extra",
      "joined 2026-11-25T20:16:03Z bob a word this version does not know",
      "MSG 2026-11-25T20:16:03Z alice case matters",
      "stored 2026-11-25T20:16:03Z bob x text",
      "stored 2026-11-25T20:16:03Z bob -1 text",
      // idle-warning needs its seconds, as a whole number.
      "idle-warning",
      "idle-warning soon you will be signed off",
      "idle-warning -5 you will be signed off",
      "idle-warning 99999999999999999999999 you will be signed off",
  };
  for (const auto& line : lines) {
    INFO("line: [" << printable(line) << "]");
    CHECK_FALSE(parse_event(line).has_value());
    CHECK_FALSE(to_event(parse_server_line(line)).has_value());
  }
}

TEST_CASE("parse_event keeps a message's text byte for byte", "[event]") {
  const auto parsed = parse_event("msg 2026-11-25T20:16:03Z alice  two leading, trailing  ");
  REQUIRE(parsed.has_value());
  const auto* m = std::get_if<msg_event>(&*parsed);
  REQUIRE(m != nullptr);
  CHECK(m->time == t);
  CHECK(m->from == "alice");
  CHECK(m->text == " two leading, trailing  ");
}
