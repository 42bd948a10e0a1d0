// Unit tests of parse_command: every command, every refusal, and text kept byte for byte.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <msgapp/protocol/command.hpp>
#include <msgapp/protocol/text_rules.hpp>

#include "printable.hpp"

namespace {

using namespace msgapp::protocol;
using msgapp::test::printable;

// A parsed command as one string, "kind|field|field", so a table can state what it expects.
std::string describe(const command& cmd) {
  return std::visit(
      [](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, login_cmd>) {
          return "login|" + c.user + "|" + c.password;
        } else if constexpr (std::is_same_v<T, message_cmd>) {
          return "message|" + c.to + "|" + c.text;
        } else if constexpr (std::is_same_v<T, broadcast_cmd>) {
          return "broadcast|" + c.text;
        } else if constexpr (std::is_same_v<T, whoelse_cmd>) {
          return "whoelse";
        } else if constexpr (std::is_same_v<T, whoelsesince_cmd>) {
          return "whoelsesince|" + std::to_string(c.seconds);
        } else if constexpr (std::is_same_v<T, block_cmd>) {
          return "block|" + c.user;
        } else if constexpr (std::is_same_v<T, unblock_cmd>) {
          return "unblock|" + c.user;
        } else if constexpr (std::is_same_v<T, logout_cmd>) {
          return "logout";
        } else if constexpr (std::is_same_v<T, blocks_cmd>) {
          return "blocks";
        } else if constexpr (std::is_same_v<T, privateport_cmd>) {
          return "privateport|" + std::to_string(c.port);
        } else if constexpr (std::is_same_v<T, startprivate_cmd>) {
          return "startprivate|" + c.user;
        } else if constexpr (std::is_same_v<T, privateaccept_cmd>) {
          return "privateaccept|" + c.user + "|" + c.token;
        } else if constexpr (std::is_same_v<T, receipts_cmd>) {
          return "receipts";
        } else if constexpr (std::is_same_v<T, confirm_cmd>) {
          return "confirm|" + std::to_string(c.id);
        } else {
          static_assert(std::is_same_v<T, active_cmd>);
          return "active";
        }
      },
      cmd);
}

// What parse_command made of a line: the description, or "error <code-word>".
std::string outcome(std::string_view line, const limits& lim = {}) {
  const auto parsed = parse_command(line, lim);
  if (parsed) return describe(*parsed);
  return "error " + std::string(code_word(parsed.error().code));
}

struct accept_case {
  std::string line;
  std::string expected;
};

const std::string name32(32, 'n');
const std::string name33(33, 'n');
const std::string text2048(2048, 't');
const std::string text2049(2049, 't');
// 2048 bytes of 2-byte characters: the limit is in bytes, not characters.
const std::string e_acute_1024 = [] {
  std::string s;
  for (int i = 0; i < 1024; ++i)
    s += "\xC3\xA9";
  return s;
}();
const std::string max_u64 = "18446744073709551615";
const std::string token32 = "0123456789abcdef0123456789ABCDEF";
const std::string token64(64, 'f');
const std::string token65(65, 'f');

const std::vector<accept_case> accept_cases = {
    {"login alice secret", "login|alice|secret"},
    {"login alice secret ", "login|alice|secret"},
    {"login  alice   secret", "login|alice|secret"},
    {"login Bob_9.x-y p@ss:w\xC3\xB6rd!", "login|Bob_9.x-y|p@ss:w\xC3\xB6rd!"},
    {"login " + name32 + " pw", "login|" + name32 + "|pw"},
    {"message bob hi", "message|bob|hi"},
    {"message bob hi there", "message|bob|hi there"},
    {"message bob hi  there", "message|bob|hi  there"},
    {"message bob trailing spaces  ", "message|bob|trailing spaces  "},
    {"message bob a  b   c    ", "message|bob|a  b   c    "},
    {"message bob h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x8E\x89",
     "message|bob|h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x8E\x89"},
    {"message bob message bob hi", "message|bob|message bob hi"},
    {"message bob login x y", "message|bob|login x y"},
    {"message " + name32 + " x", "message|" + name32 + "|x"},
    {"message bob " + text2048, "message|bob|" + text2048},
    {"message bob " + e_acute_1024, "message|bob|" + e_acute_1024},
    {"broadcast hello", "broadcast|hello"},
    {"broadcast hello  all ", "broadcast|hello  all "},
    {"broadcast \xE2\x82\xAC 5", "broadcast|\xE2\x82\xAC 5"},
    {"broadcast " + text2048, "broadcast|" + text2048},
    {"whoelse", "whoelse"},
    {"whoelse ", "whoelse"},
    {"whoelsesince 0", "whoelsesince|0"},
    {"whoelsesince 60", "whoelsesince|60"},
    {"whoelsesince 007", "whoelsesince|7"},
    {"whoelsesince 60 ", "whoelsesince|60"},
    {"whoelsesince " + max_u64, "whoelsesince|" + max_u64},
    {"whoelsesince 18446744073709551616", "whoelsesince|" + max_u64},
    {"whoelsesince 99999999999999999999999999999999999999", "whoelsesince|" + max_u64},
    {"block bob", "block|bob"},
    {"block " + name32, "block|" + name32},
    {"unblock bob", "unblock|bob"},
    {"unblock bob ", "unblock|bob"},
    {"logout", "logout"},
    {"logout ", "logout"},
    {"blocks", "blocks"},
    {"blocks ", "blocks"},
    {"privateport 1", "privateport|1"},
    {"privateport 4000", "privateport|4000"},
    {"privateport 65535", "privateport|65535"},
    {"privateport 080", "privateport|80"},
    {"privateport 4000 ", "privateport|4000"},
    {"startprivate bob", "startprivate|bob"},
    {"startprivate " + name32, "startprivate|" + name32},
    {"startprivate bob ", "startprivate|bob"},
    {"privateaccept alice " + token32, "privateaccept|alice|" + token32},
    {"privateaccept alice " + token64, "privateaccept|alice|" + token64},
    {"privateaccept alice x ", "privateaccept|alice|x"},
    {"active", "active"},
    {"active ", "active"},
    {"receipts", "receipts"},
    {"confirm 0", "confirm|0"},
    {"confirm 17", "confirm|17"},
    {"confirm " + max_u64, "confirm|" + max_u64},
};

struct refuse_case {
  std::string line;
  errc code;
};

const std::vector<refuse_case> refuse_cases = {
    // Line-level refusals.
    {"", errc::empty_line},
    {" ", errc::empty_line},
    {"     ", errc::empty_line},
    {"whoelse\t", errc::control_char},
    {std::string("message bob a\0b", 15), errc::control_char},
    {"message bob \x1B[2J", errc::control_char},
    {"broadcast \x7F", errc::control_char},
    {"message bob caf\xE9", errc::bad_encoding},
    {"broadcast \xED\xA0\x80", errc::bad_encoding},
    // Unknown commands (case matters).
    {"hello", errc::bad_command},
    {"LOGIN alice secret", errc::bad_command},
    {"Whoelse", errc::bad_command},
    {"msg bob hi", errc::bad_command},
    {"quit", errc::bad_command},
    {"whoelse2", errc::bad_command},
    {"l\xC3\xB6gin alice secret", errc::bad_command},
    {std::string(3000, 'q'), errc::bad_command},
    // login
    {"login", errc::usage},
    {"login ", errc::usage},
    {"login alice", errc::usage},
    {"login alice ", errc::usage},
    {"login alice secret extra", errc::usage},
    {"login al!ce secret", errc::unknown_user},
    {"login al\xC3\xAF"
     "ce secret",
     errc::unknown_user},
    {"login " + name33 + " secret", errc::unknown_user},
    // message
    {"message", errc::usage},
    {"message bob", errc::usage},
    {"message bob ", errc::usage},
    {"message bob    ", errc::usage},
    {"message b@b hi", errc::unknown_user},
    {"message " + name33 + " hi", errc::unknown_user},
    {"message bob " + text2049, errc::text_too_long},
    {"message bob " + e_acute_1024 + "!", errc::text_too_long},
    // broadcast
    {"broadcast", errc::usage},
    {"broadcast ", errc::usage},
    {"broadcast   ", errc::usage},
    {"broadcast " + text2049, errc::text_too_long},
    // whoelse
    {"whoelse bob", errc::usage},
    {"whoelse 5", errc::usage},
    // whoelsesince
    {"whoelsesince", errc::usage},
    {"whoelsesince ", errc::usage},
    {"whoelsesince -1", errc::usage},
    {"whoelsesince 1.5", errc::usage},
    {"whoelsesince abc", errc::usage},
    {"whoelsesince 5x", errc::usage},
    {"whoelsesince 1e3", errc::usage},
    {"whoelsesince +5", errc::usage},
    {"whoelsesince 0x10", errc::usage},
    {"whoelsesince 5 6", errc::usage},
    {"whoelsesince 5 seconds", errc::usage},
    {"whoelsesince 99999999999999999999999x", errc::usage},
    // block / unblock
    {"block", errc::usage},
    {"block ", errc::usage},
    {"block bob carol", errc::usage},
    {"block b*b", errc::unknown_user},
    {"block " + name33, errc::unknown_user},
    {"unblock", errc::usage},
    {"unblock bob carol", errc::usage},
    {"unblock b/b", errc::unknown_user},
    {"unblock " + name33, errc::unknown_user},
    // logout
    {"logout now", errc::usage},
    // blocks
    {"blocks bob", errc::usage},
    {"Blocks", errc::bad_command},
    // privateport
    {"privateport", errc::usage},
    {"privateport ", errc::usage},
    {"privateport 0", errc::usage},
    {"privateport 65536", errc::usage},
    {"privateport 70000", errc::usage},
    {"privateport 99999999999999999999999", errc::usage},
    {"privateport -1", errc::usage},
    {"privateport +80", errc::usage},
    {"privateport 1.5", errc::usage},
    {"privateport 0x50", errc::usage},
    {"privateport http", errc::usage},
    {"privateport 4000 4001", errc::usage},
    // startprivate
    {"startprivate", errc::usage},
    {"startprivate ", errc::usage},
    {"startprivate bob carol", errc::usage},
    {"startprivate b@b", errc::unknown_user},
    {"startprivate " + name33, errc::unknown_user},
    // privateaccept
    {"privateaccept", errc::usage},
    {"privateaccept alice", errc::usage},
    {"privateaccept alice ", errc::usage},
    {"privateaccept alice " + token32 + " extra", errc::usage},
    {"privateaccept alice " + token65, errc::usage},
    {"privateaccept al!ce " + token32, errc::unknown_user},
    {"privateaccept " + name33 + " " + token32, errc::unknown_user},
    // active
    {"active now", errc::usage},
    // receipts, confirm
    {"receipts on", errc::usage},
    {"confirm", errc::usage},
    {"confirm x", errc::usage},
    {"confirm -1", errc::usage},
    {"confirm 1 2", errc::usage},
    {"confirm 18446744073709551616", errc::usage},
    // msgclient's own commands are not in the server's grammar: unknown like any other word.
    {"private", errc::bad_command},
    {"private bob hello there", errc::bad_command},
    {"stopprivate", errc::bad_command},
    {"stopprivate bob", errc::bad_command},
};

}  // namespace

TEST_CASE("parse_command accepts every command", "[command]") {
  const auto& c = GENERATE(from_range(accept_cases));
  INFO("line: " << printable(c.line));
  CHECK(printable(outcome(c.line)) == printable(c.expected));
}

TEST_CASE("parse_command refuses bad lines with the right code", "[command]") {
  const auto& c = GENERATE(from_range(refuse_cases));
  INFO("line: " << printable(c.line));
  const auto parsed = parse_command(c.line, limits{});
  REQUIRE_FALSE(parsed.has_value());
  const auto& e = parsed.error();
  INFO("text: " << printable(e.text));
  CHECK(code_word(e.code) == code_word(c.code));
  CHECK_FALSE(e.text.empty());
  CHECK(e.text.find('\n') == std::string::npos);
  CHECK(is_valid_utf8(e.text));
  // The text goes back on one line: it must not echo a huge argument.
  CHECK(e.text.size() < 256);
  if (e.code == errc::usage) CHECK(e.text.rfind("usage: ", 0) == 0);
}

TEST_CASE("parse_command usage texts show the right form", "[command]") {
  const std::vector<std::pair<std::string, std::string>> forms = {
      {"login alice", "login <user> <password>"},
      {"message bob", "message <user> <text>"},
      {"broadcast", "broadcast <text>"},
      {"whoelsesince x", "whoelsesince <seconds>"},
      {"block", "block <user>"},
      {"unblock", "unblock <user>"},
      {"whoelse x", "whoelse"},
      {"logout x", "logout"},
      {"blocks x", "blocks (no arguments)"},
      {"startprivate", "startprivate <user>"},
      {"privateport 0", "privateport <port>"},
      {"privateaccept alice", "privateaccept <user> <token>"},
      {"active x", "active"},
  };
  for (const auto& [line, form] : forms) {
    INFO("line: " << line);
    const auto parsed = parse_command(line, limits{});
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == errc::usage);
    CHECK_THAT(parsed.error().text, Catch::Contains(form));
  }
}

TEST_CASE("parse_command explains refusals in their texts", "[command]") {
  SECTION("an unknown command lists the commands") {
    const auto parsed = parse_command("frobnicate now", limits{});
    REQUIRE_FALSE(parsed.has_value());
    CHECK_THAT(parsed.error().text, Catch::Contains("frobnicate"));
    for (const char* word :
         {"message", "broadcast", "whoelse", "whoelsesince", "block", "unblock", "logout"}) {
      CHECK_THAT(parsed.error().text, Catch::Contains(word));
    }
  }
  SECTION("an impossible name is named") {
    const auto parsed = parse_command("message b@b hi", limits{});
    REQUIRE_FALSE(parsed.has_value());
    CHECK_THAT(parsed.error().text, Catch::Contains("b@b"));
  }
  SECTION("text-too-long gives the size and the limit") {
    const auto parsed = parse_command("broadcast " + text2049, limits{});
    REQUIRE_FALSE(parsed.has_value());
    CHECK_THAT(parsed.error().text, Catch::Contains("2049") && Catch::Contains("2048"));
  }
  SECTION("a client's own command is an unknown command, and named") {
    for (const char* verb : {"private", "stopprivate"}) {
      const auto parsed = parse_command(std::string(verb) + " bob", limits{});
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().code == errc::bad_command);
      CHECK_THAT(parsed.error().text, Catch::StartsWith("unknown command '" + std::string(verb)));
    }
  }
}

TEST_CASE("parse_command refusal texts stay valid UTF-8 when they cut an echoed word",
          "[command]") {
  // A refusal that echoes the client's word shortens it to a byte count; cutting inside a
  // multi-byte character would put invalid UTF-8 on the wire (every line is UTF-8).
  const std::string verb = std::string(31, 'a') + "\xC3\xA9" + "bc";  // 'e-acute' at bytes 31-32
  const std::string name = "a" + [] {
    std::string s;
    for (int i = 0; i < 20; ++i)
      s += "\xC3\xA9";
    return s;
  }();  // 41 bytes; 32 bytes end inside a character
  const std::vector<std::string> lines = {verb, verb + " x", "block " + name,
                                          "message " + name + " hi", "startprivate " + name};
  for (const auto& line : lines) {
    INFO("line: " << printable(line));
    const auto parsed = parse_command(line, limits{});
    REQUIRE_FALSE(parsed.has_value());
    INFO("text: " << printable(parsed.error().text));
    CHECK(is_valid_utf8(parsed.error().text));
  }
}

TEST_CASE("parse_command knows every word in command_words", "[command]") {
  for (const auto word : command_words) {
    INFO("word: " << word);
    const auto parsed = parse_command(word, limits{});
    if (!parsed) CHECK(parsed.error().code != errc::bad_command);
  }
}

TEST_CASE("parse_command honours smaller limits", "[command]") {
  limits lim;
  lim.max_name = 3;
  lim.max_text = 5;
  CHECK(outcome("message bob 12345", lim) == "message|bob|12345");
  CHECK(outcome("message bob 123456", lim) == "error text-too-long");
  CHECK(outcome("broadcast 1 3 5", lim) == "broadcast|1 3 5");
  CHECK(outcome("broadcast 1 3 5 ", lim) == "error text-too-long");
  CHECK(outcome("block bob", lim) == "block|bob");
  CHECK(outcome("block bobb", lim) == "error unknown-user");
  CHECK(outcome("login bobb pw", lim) == "error unknown-user");
}
