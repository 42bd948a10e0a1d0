// Unit tests of the text rules: UTF-8 validation, line checks, names, passwords, code words.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include <msgapp/protocol/error.hpp>
#include <msgapp/protocol/text_rules.hpp>

#include "printable.hpp"

namespace {

using namespace msgapp::protocol;
using msgapp::test::printable;

struct utf8_case {
  const char* what;
  std::string bytes;
  bool valid;
};

const std::vector<utf8_case> utf8_cases = {
    // Well-formed.
    {"empty", "", true},
    {"ASCII", "hello, world ~!", true},
    {"NUL is a valid code point", std::string("a\0b", 3), true},
    {"U+0080, smallest 2-byte", "\xC2\x80", true},
    {"U+00E9 e-acute", "\xC3\xA9", true},
    {"U+07FF, largest 2-byte", "\xDF\xBF", true},
    {"U+0800, smallest 3-byte", "\xE0\xA0\x80", true},
    {"U+20AC euro sign", "\xE2\x82\xAC", true},
    {"U+D7FF, just below the surrogates", "\xED\x9F\xBF", true},
    {"U+E000, just above the surrogates", "\xEE\x80\x80", true},
    {"U+FFFF, largest 3-byte", "\xEF\xBF\xBF", true},
    {"U+10000, smallest 4-byte", "\xF0\x90\x80\x80", true},
    {"U+1D11E musical G clef", "\xF0\x9D\x84\x9E", true},
    {"U+10FFFF, the largest code point", "\xF4\x8F\xBF\xBF", true},
    {"mixed text", "h\xC3\xA9llo w\xC3\xB6rld \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x8E\x89!", true},
    // Overlong forms.
    {"overlong NUL (C0 80)", "\xC0\x80", false},
    {"overlong '/' (C0 AF)", "\xC0\xAF", false},
    {"overlong U+007F (C1 BF)", "\xC1\xBF", false},
    {"overlong 3-byte U+0000", "\xE0\x80\x80", false},
    {"overlong 3-byte U+07FF", "\xE0\x9F\xBF", false},
    {"overlong 4-byte U+0000", "\xF0\x80\x80\x80", false},
    {"overlong 4-byte U+FFFF", "\xF0\x8F\xBF\xBF", false},
    // UTF-16 surrogates.
    {"U+D800, first high surrogate", "\xED\xA0\x80", false},
    {"U+DBFF, last high surrogate", "\xED\xAF\xBF", false},
    {"U+DC00, first low surrogate", "\xED\xB0\x80", false},
    {"U+DFFF, last low surrogate", "\xED\xBF\xBF", false},
    {"surrogate pair encoded as two characters (CESU-8)", "\xED\xA0\xBD\xED\xB8\x80", false},
    // Truncated sequences.
    {"2-byte lead alone", "\xC3", false},
    {"2-byte lead at the end", "abc\xC3", false},
    {"2-byte lead followed by ASCII",
     "\xC3"
     "A",
     false},
    {"3-byte sequence missing one byte", "\xE2\x82", false},
    {"3-byte sequence missing one byte, then ASCII",
     "\xE2\x82"
     "A",
     false},
    {"4-byte sequence missing one byte", "\xF0\x9D\x84", false},
    {"4-byte sequence missing two bytes, at the end", "ok \xF0\x9D", false},
    {"4-byte lead alone", "\xF0", false},
    // Past U+10FFFF and impossible lead bytes.
    {"U+110000", "\xF4\x90\x80\x80", false},
    {"F5 lead", "\xF5\x80\x80\x80", false},
    {"F7 BF BF BF (U+1FFFFF)", "\xF7\xBF\xBF\xBF", false},
    {"5-byte form F8", "\xF8\x88\x80\x80\x80", false},
    {"6-byte form FC", "\xFC\x84\x80\x80\x80\x80", false},
    {"FE", "\xFE", false},
    {"FF", "\xFF", false},
    // Lone continuation bytes.
    {"lone 80", "\x80", false},
    {"lone BF", "\xBF", false},
    {"continuation inside ASCII",
     "a\x80"
     "b",
     false},
    {"one continuation too many", "\xC3\xA9\xA9", false},
    {"Latin-1 e-acute", "caf\xE9", false},
};

struct line_case {
  const char* what;
  std::string line;
  std::optional<errc> refusal;  // nullopt: accepted
};

const std::vector<line_case> line_cases = {
    {"a command", "whoelse", std::nullopt},
    {"spaces only (the parser, not check_line, refuses it)", "   ", std::nullopt},
    {"UTF-8 text", "message bob h\xC3\xA9 \xF0\x9F\x8E\x89", std::nullopt},
    {"printable ASCII 0x20..0x7E", "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~", std::nullopt},
    {"empty", "", errc::empty_line},
    {"NUL", std::string("a\0b", 3), errc::control_char},
    {"NUL alone", std::string(1, '\0'), errc::control_char},
    {"tab", "message bob a\tb", errc::control_char},
    {"DEL", "message bob \x7F", errc::control_char},
    {"ESC", "message bob \x1B[31mred", errc::control_char},
    {"bell", "\x07", errc::control_char},
    {"0x1F", "a\x1F", errc::control_char},
    {"CR inside the line", "who\relse", errc::control_char},
    {"invalid UTF-8", "message bob caf\xE9", errc::bad_encoding},
    {"truncated UTF-8 at the end", "message bob \xE2\x82", errc::bad_encoding},
    {"overlong UTF-8", "message bob \xC0\xAF", errc::bad_encoding},
};

}  // namespace

TEST_CASE("is_valid_utf8 accepts exactly well-formed UTF-8", "[text_rules]") {
  const auto& c = GENERATE(from_range(utf8_cases));
  INFO(c.what << ": " << printable(c.bytes));
  CHECK(is_valid_utf8(c.bytes) == c.valid);
  // The same sequence embedded in ASCII gets the same verdict.
  CHECK(is_valid_utf8("ab " + c.bytes + " cd") == c.valid);
}

TEST_CASE("check_line refuses empty lines, control bytes and bad UTF-8", "[text_rules]") {
  const auto& c = GENERATE(from_range(line_cases));
  INFO(c.what << ": " << printable(c.line));
  const auto result = check_line(c.line);
  if (!c.refusal) {
    CHECK(result.has_value());
  } else {
    REQUIRE_FALSE(result.has_value());
    CHECK(code_word(result.error().code) == code_word(*c.refusal));
    CHECK_FALSE(result.error().text.empty());
    CHECK(result.error().text.find('\n') == std::string::npos);
  }
}

TEST_CASE("check_line refuses every C0 control byte and DEL", "[text_rules]") {
  for (int b = 0; b < 0x20; ++b) {
    INFO("byte " << b);
    const auto result = check_line(std::string("ab") + static_cast<char>(b) + "cd");
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == errc::control_char);
  }
  const auto del = check_line("ab\x7F");
  REQUIRE_FALSE(del.has_value());
  CHECK(del.error().code == errc::control_char);
}

TEST_CASE("is_valid_name: 1 to max_name of A-Z a-z 0-9 _ . -", "[text_rules]") {
  const limits lim;
  struct name_case {
    std::string name;
    bool valid;
  };
  const std::vector<name_case> cases = {
      {"a", true},
      {"alice", true},
      {"Bob_99", true},
      {"a.b-c_d", true},
      {"...", true},
      {"-", true},
      {"ABCXYZabcxyz0189", true},
      {std::string(32, 'n'), true},
      {"", false},
      {std::string(33, 'n'), false},
      {"al ice", false},
      {" alice", false},
      {"alice ", false},
      {"al\tice", false},
      {"al@ice", false},
      {"a/b", false},
      {"a:b", false},
      {"a+b", false},
      {"a'b", false},
      {"al\xC3\xAF"
       "ce",
       false},
      {std::string("a\0b", 3), false},
  };
  for (const auto& c : cases) {
    INFO(printable(c.name) << " (" << c.name.size() << " bytes)");
    CHECK(is_valid_name(c.name, lim) == c.valid);
  }

  limits small;
  small.max_name = 4;
  CHECK(is_valid_name("abcd", small));
  CHECK_FALSE(is_valid_name("abcde", small));
}

TEST_CASE("is_valid_password: 1 to max_password bytes, no spaces or control bytes",
          "[text_rules]") {
  const limits lim;
  struct password_case {
    std::string password;
    bool valid;
  };
  const std::vector<password_case> cases = {
      {"x", true},
      {"secret", true},
      {"p@ss!#$%^&*()[]{}:;'\"<>,.?/\\|`~", true},
      {"p\xC3\xA4ssw\xC3\xB6rd", true},
      {std::string(128, 'p'), true},
      {"", false},
      {std::string(129, 'p'), false},
      {"pass word", false},
      {" password", false},
      {"password ", false},
      {"pass\tword", false},
      {"pass\x7Fword", false},
      {"pass\x1Bword", false},
      {"pass\nword", false},
      {std::string("pa\0ss", 5), false},
  };
  for (const auto& c : cases) {
    INFO(printable(c.password) << " (" << c.password.size() << " bytes)");
    CHECK(is_valid_password(c.password, lim) == c.valid);
  }

  limits small;
  small.max_password = 3;
  CHECK(is_valid_password("abc", small));
  CHECK_FALSE(is_valid_password("abcd", small));
}

TEST_CASE("code_word gives the documented word for every error code", "[text_rules]") {
  const std::vector<std::pair<errc, std::string_view>> words = {
      {errc::empty_line, "empty-line"},
      {errc::line_too_long, "line-too-long"},
      {errc::bad_encoding, "bad-encoding"},
      {errc::control_char, "control-char"},
      {errc::bad_command, "bad-command"},
      {errc::usage, "usage"},
      {errc::not_logged_in, "not-logged-in"},
      {errc::already_logged_in, "already-logged-in"},
      {errc::unknown_user, "unknown-user"},
      {errc::wrong_password, "wrong-password"},
      {errc::login_blocked, "login-blocked"},
      {errc::already_online, "already-online"},
      {errc::self, "self"},
      {errc::blocked, "blocked"},
      {errc::already_blocked, "already-blocked"},
      {errc::not_blocked, "not-blocked"},
      {errc::text_too_long, "text-too-long"},
      {errc::queue_full, "queue-full"},
      {errc::unavailable, "unavailable"},
      {errc::server_full, "server-full"},
      {errc::offline, "offline"},
      {errc::no_offer, "no-offer"},
  };
  for (const auto& [code, word] : words) {
    INFO("errc #" << static_cast<int>(code));
    CHECK(code_word(code) == word);
  }
}

TEST_CASE("check_line refuses C1 control characters, which terminals also obey", "[text_rules]") {
  CHECK(check_line("a\xC2\x9B"
                   "31m")
            .error()
            .code == errc::control_char);
  CHECK(check_line("a\xC2\x80").error().code == errc::control_char);
  CHECK(check_line("non-breaking\xC2\xA0space").has_value());
}
