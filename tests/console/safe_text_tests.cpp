// safe_text: every class of hostile byte becomes a visible escape; ordinary text stays exact.
#include <msgapp/console/safe_text.hpp>
#include <msgapp/protocol/text_rules.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace {

using msgapp::ui::safe_text;
using namespace std::string_literals;

TEST_CASE("safe_text keeps printable text exactly", "[console][safe_text]") {
  for (const std::string& text :
       {""s, "hello, world"s, "back\\slash \\x1b typed by hand"s, "j\xc3\xbcrgen \xc2\xa1hola!"s,
        "\xe4\xbd\xa0\xe5\xa5\xbd"s /* CJK */, "\xf0\x9f\x98\x80 \xf0\x9f\x91\x8d"s /* emoji */,
        "\xc2\xa0 nbsp, U+00A0 right after the C1 block"s, "\xef\xbf\xbd U+FFFD itself"s,
        "\xf4\x8f\xbf\xbf U+10FFFF"s,
        "\xe2\x80\xa9 U+2029, \xe2\x81\xa5 U+2065, \xe2\x81\xaa U+206A"s, "~ and space and !"s}) {
    INFO(text);
    CHECK(safe_text(text) == text);
  }
}

TEST_CASE("safe_text shows C0 controls and DEL as \\xNN", "[console][safe_text]") {
  CHECK(safe_text("\x1b]0;title\x07") == "\\x1b]0;title\\x07");
  CHECK(safe_text("\x1b]52;c;aGk=\x07") == "\\x1b]52;c;aGk=\\x07");
  CHECK(safe_text("\x1b[2J\x1b[H") == "\\x1b[2J\\x1b[H");
  CHECK(safe_text("a\tb\rc\nd") == "a\\x09b\\x0dc\\x0ad");
  CHECK(safe_text("nul\0here"s) == "nul\\x00here");
  CHECK(safe_text("\x01\x1f") == "\\x01\\x1f");
  CHECK(safe_text("del\x7f") == "del\\x7f");
}

TEST_CASE("safe_text shows C1 controls, raw or as UTF-8", "[console][safe_text]") {
  SECTION("raw bytes 0x80-0x9F are not UTF-8: each one shows as \\xNN") {
    CHECK(safe_text("\x9b"
                    "2J") == "\\x9b2J");
    CHECK(safe_text("\x80\x9f") == "\\x80\\x9f");
  }
  SECTION("U+0080-U+009F encoded as UTF-8 show as \\u00NN") {
    CHECK(safe_text("\xc2\x9b"
                    "2J") == "\\u009b2J");
    CHECK(safe_text("\xc2\x80\xc2\x85\xc2\x9f") == "\\u0080\\u0085\\u009f");
  }
}

TEST_CASE("safe_text shows bidi overrides and isolates as \\uNNNN", "[console][safe_text]") {
  CHECK(safe_text("a\xe2\x80\xaa"
                  "b") == "a\\u202ab");
  CHECK(safe_text("\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad") == "\\u202b\\u202c\\u202d");
  CHECK(safe_text("evil\xe2\x80\xaetxt.exe") == "evil\\u202etxt.exe");
  CHECK(safe_text("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9") ==
        "\\u2066\\u2067\\u2068\\u2069");
}

TEST_CASE("safe_text shows every byte of invalid UTF-8 as \\xNN", "[console][safe_text]") {
  SECTION("overlong forms") {
    CHECK(safe_text("\xc0\xaf") == "\\xc0\\xaf");
    CHECK(safe_text("\xc1\xbf") == "\\xc1\\xbf");
    CHECK(safe_text("\xe0\x80\xaf") == "\\xe0\\x80\\xaf");
    CHECK(safe_text("\xf0\x80\x80\xaf") == "\\xf0\\x80\\x80\\xaf");
    CHECK(safe_text("\xc0\x9b") == "\\xc0\\x9b");  // an overlong CSI is no CSI either
  }
  SECTION("UTF-16 surrogates") {
    CHECK(safe_text("\xed\xa0\x80") == "\\xed\\xa0\\x80");
    CHECK(safe_text("\xed\xbf\xbf") == "\\xed\\xbf\\xbf");
    CHECK(safe_text("\xed\x9f\xbf") == "\xed\x9f\xbf");  // U+D7FF, just below them, is text
  }
  SECTION("past U+10FFFF, and bytes that never start a character") {
    CHECK(safe_text("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
    CHECK(safe_text("\xf5\x80\x80\x80") == "\\xf5\\x80\\x80\\x80");
    CHECK(safe_text("\xfe\xff") == "\\xfe\\xff");
  }
  SECTION("truncated sequences, at the end and before other text") {
    CHECK(safe_text("\xe2\x82") == "\\xe2\\x82");
    CHECK(safe_text("\xf0\x9f\x98") == "\\xf0\\x9f\\x98");
    CHECK(safe_text("\xe2\x82"
                    "ok") == "\\xe2\\x82ok");
    CHECK(safe_text("\xc3"
                    "\xc3\xa9") == "\\xc3\xc3\xa9");  // the next character survives
  }
  SECTION("a lone continuation byte") {
    CHECK(safe_text("a\xa9"
                    "b") == "a\\xa9b");
  }
}

TEST_CASE("safe_text's result is valid UTF-8 without controls, and stable",
          "[console][safe_text]") {
  std::string every_byte;
  for (int b = 0; b < 256; ++b)
    every_byte += static_cast<char>(b);
  const std::string hostile = every_byte + "\xc2\x9b\xe2\x80\xae\xe2\x81\xa6\xed\xa0\x80";
  const std::string shown = safe_text(hostile);
  CHECK(msgapp::protocol::check_line(shown));  // valid UTF-8, no C0, DEL or C1
  CHECK(shown.find("\xe2\x80\xae") == std::string::npos);
  CHECK(shown.find("\xe2\x81\xa6") == std::string::npos);
  CHECK(safe_text(shown) == shown);
  CHECK(shown.size() <= 4 * hostile.size());
}

TEST_CASE("safe_text takes linear time on long hostile input", "[console][safe_text]") {
  // A quadratic pass would take minutes over 1 MiB; this finishes in milliseconds.
  const std::string bad(1 << 20, '\xe2');
  const std::string shown = safe_text(bad);
  CHECK(shown.size() == 4 * bad.size());
  CHECK(shown.substr(0, 8) == "\\xe2\\xe2");
}

}  // namespace
