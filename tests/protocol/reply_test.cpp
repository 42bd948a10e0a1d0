// Unit tests of typed replies and commands: documented lines, and exact round trips.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <msgapp/protocol/command.hpp>
#include <msgapp/protocol/reply.hpp>
#include <msgapp/protocol/server_line.hpp>

#include "line_samples.hpp"
#include "printable.hpp"

namespace {

using namespace msgapp::protocol;
using msgapp::test::printable;
using msgapp::test::strip;

struct reply_case {
  ok_reply reply;
  std::string line;
};

// Every ok reply of docs/protocol.md, as the server writes it.
const std::vector<reply_case> documented = {
    {welcome_reply{"alice"}, "ok welcome alice\n"},
    {delivered_reply{"bob"}, "ok delivered to bob\n"},
    {queued_reply{"bob"}, "ok queued for bob (offline)\n"},
    {broadcast_reply{0, false}, "ok broadcast to 0 users\n"},
    {broadcast_reply{1, false}, "ok broadcast to 1 user\n"},
    {broadcast_reply{2, false}, "ok broadcast to 2 users\n"},
    {broadcast_reply{1, true}, "ok broadcast to 1 user; some recipients did not get it\n"},
    {broadcast_reply{0, true}, "ok broadcast to 0 users; some recipients did not get it\n"},
    {users_reply{}, "ok users\n"},
    {users_reply{{"bob"}}, "ok users bob\n"},
    {users_reply{{"bob", "carol", "d.e-f_9"}}, "ok users bob carol d.e-f_9\n"},
    {blocked_reply{"eve"}, "ok blocked eve\n"},
    {unblocked_reply{"eve"}, "ok unblocked eve\n"},
    {goodbye_reply{"alice"}, "ok goodbye alice\n"},
    {private_port_reply{40123}, "ok private sessions on port 40123\n"},
    {private_requested_reply{"bob"}, "ok private session with bob requested\n"},
    {private_accepted_reply{"alice"}, "ok private session with alice accepted\n"},
    {active_reply{}, "ok active\n"},
    {receipts_reply{"0123456789abcdef0123456789abcdef"},
     "ok receipts 0123456789abcdef0123456789abcdef\n"},
    {confirmed_reply{42}, "ok confirmed 42\n"},
};

}  // namespace

TEST_CASE("ok replies format to the documented lines and parse back", "[reply]") {
  for (const auto& c : documented) {
    INFO("line: " << printable(c.line));
    CHECK(format(c.reply) == c.line);
    const auto parsed = parse_ok_reply(strip(c.line));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == c.reply);
    CHECK(parse_server_line(strip(c.line)).kind == line_kind::ok);
    CHECK_FALSE(parse_error_reply(strip(c.line)).has_value());
  }
}

TEST_CASE("parse_ok_reply refuses other lines and unknown texts", "[reply]") {
  const std::vector<std::string> lines = {
      "",
      "ok",
      "ok something new",
      "okay users bob",
      "error usage usage: whoelse (no arguments)",
      "msg 2026-11-25T20:16:03Z alice ok users",
      "ok welcome",
      "ok welcome two words",
      "ok delivered to",
      "ok queued for bob",
      "ok broadcast to 1 users",
      "ok broadcast to 2 user",
      "ok broadcast to x users",
      "ok broadcast to -1 users",
      "ok usersbob",
      "ok private sessions on port 0",
      "ok private sessions on port 65536",
      "ok private session with bob maybe",
      "ok active now",
      "ok receipts",
      "ok receipts two words",
      "ok confirmed",
      "ok confirmed x",
  };
  for (const auto& line : lines) {
    INFO("line: [" << printable(line) << "]");
    CHECK_FALSE(parse_ok_reply(line).has_value());
  }
}

TEST_CASE("parse_error_reply and parse_code_word invert format_error and code_word", "[reply]") {
  for (int i = 0; i <= static_cast<int>(last_errc); ++i) {
    const auto code = static_cast<errc>(i);
    INFO("code " << code_word(code));
    CHECK(parse_code_word(code_word(code)) == code);
    const error e{code, "some text  for people "};
    const auto parsed = parse_error_reply(strip(format_error(e)));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == e);
    CHECK_FALSE(parse_ok_reply(strip(format_error(e))).has_value());
  }
  CHECK_FALSE(parse_code_word("no-such-code").has_value());
  CHECK_FALSE(parse_code_word("").has_value());
  CHECK_FALSE(parse_error_reply("error no-such-code text").has_value());
  CHECK_FALSE(parse_error_reply("ok users").has_value());
}

TEST_CASE("parse_greeting reads the version", "[reply]") {
  CHECK(parse_greeting(strip(format_greeting())) == version);
  CHECK(parse_greeting("hello msgapp 2") == 2);
  CHECK_FALSE(parse_greeting("hello other 1").has_value());
  CHECK_FALSE(parse_greeting("hello msgapp").has_value());
  CHECK_FALSE(parse_greeting("hello msgapp 1 extra").has_value());
  CHECK_FALSE(parse_greeting("ok welcome alice").has_value());
}

TEST_CASE("commands format to lines that parse_command reads back", "[command]") {
  struct command_case {
    command cmd;
    std::string line;
  };
  const std::vector<command_case> cases = {
      {login_cmd{"alice", "s3cr=t"}, "login alice s3cr=t\n"},
      {message_cmd{"bob", "hi  there "}, "message bob hi  there \n"},
      {message_cmd{"bob", "h\xC3\xA9llo"}, "message bob h\xC3\xA9llo\n"},
      {broadcast_cmd{"to  all"}, "broadcast to  all\n"},
      {whoelse_cmd{}, "whoelse\n"},
      {whoelsesince_cmd{0}, "whoelsesince 0\n"},
      {whoelsesince_cmd{600}, "whoelsesince 600\n"},
      {block_cmd{"eve"}, "block eve\n"},
      {unblock_cmd{"eve"}, "unblock eve\n"},
      {logout_cmd{}, "logout\n"},
      {privateport_cmd{40123}, "privateport 40123\n"},
      {startprivate_cmd{"bob"}, "startprivate bob\n"},
      {privateaccept_cmd{"alice", "00ff"}, "privateaccept alice 00ff\n"},
      {active_cmd{}, "active\n"},
  };
  for (const auto& c : cases) {
    INFO("line: " << printable(c.line));
    CHECK(format(c.cmd) == c.line);
    const auto parsed = parse_command(strip(c.line), limits{});
    REQUIRE(parsed.has_value());
    CHECK(*parsed == c.cmd);
  }
  std::string burst;
  append_message(burst, "bob", "one");
  append_broadcast(burst, "two");
  CHECK(burst == "message bob one\nbroadcast two\n");
}
