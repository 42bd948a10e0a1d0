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

TEST_CASE("a users reply too long for a line continues over lines within the limit", "[reply]") {
  // max_line 24: room for 15 bytes of " name" after `ok users`.
  const users_reply r{{"amy", "bob", "carol", "dave", "eve", "frank", "g"}};
  const std::vector<std::string> lines = format_lines(r, 24);
  CHECK(lines == std::vector<std::string>{"users amy bob carol\n", "users dave eve frank\n",
                                          "ok users g\n"});
  // Gathered, the names are the list, in order; the last line is the reply.
  std::vector<std::string> names;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    INFO("line: " << printable(lines[i]));
    CHECK(lines[i].size() <= 24);
    CHECK(parse_server_line(strip(lines[i])).kind == line_kind::event);
    const auto part = parse_users_continuation(strip(lines[i]));
    REQUIRE(part.has_value());
    names.insert(names.end(), part->begin(), part->end());
  }
  const auto last = parse_ok_reply(strip(lines.back()));
  REQUIRE(last.has_value());
  const auto& tail = std::get<users_reply>(*last).names;
  names.insert(names.end(), tail.begin(), tail.end());
  CHECK(names == r.names);
}

TEST_CASE("a users reply that fits is the one documented line", "[reply]") {
  CHECK(format_lines(users_reply{}, 4096) == std::vector<std::string>{"ok users\n"});
  CHECK(format_lines(users_reply{{"bob", "carol"}}, 4096) ==
        std::vector<std::string>{"ok users bob carol\n"});
  // Exactly at the limit: "ok users bob carol\n" is 19 bytes.
  CHECK(format_lines(users_reply{{"bob", "carol"}}, 19).size() == 1);
  CHECK(format_lines(users_reply{{"bob", "carol"}}, 18) ==
        std::vector<std::string>{"users bob\n", "ok users carol\n"});
}

TEST_CASE("10,000 names of the longest length go in lines of at most 4096 bytes", "[reply]") {
  users_reply r;
  for (int i = 0; i < 10'000; ++i) {
    auto name = std::to_string(i);
    r.names.push_back(std::string(32 - name.size(), 'n') + name);
  }
  const auto lines = format_lines(r, 4096);
  std::size_t names = 0;
  REQUIRE(lines.size() > 80);  // 330 KB
  CHECK(lines.back().size() <= 4096);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    CHECK(lines[i].size() <= 4096);
    CHECK(lines[i].size() > 4096 - 2 * 33);  // full: the next name did not fit
    names += parse_users_continuation(strip(lines[i]))->size();
  }
  CHECK(names + std::get<users_reply>(*parse_ok_reply(strip(lines.back()))).names.size() == 10'000);
}

TEST_CASE("parse_users_continuation takes only `users` lines", "[reply]") {
  CHECK(parse_users_continuation("users bob carol") == std::vector<std::string>{"bob", "carol"});
  CHECK_FALSE(parse_users_continuation("ok users bob").has_value());
  CHECK_FALSE(parse_users_continuation("usersbob").has_value());
  CHECK_FALSE(parse_users_continuation("msg 2026-11-25T20:16:03Z users x").has_value());
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
