// Unit tests of line_framer: splitting, CR handling, the length cap and memory release.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <msgapp/protocol/line_framer.hpp>

#include "printable.hpp"

namespace {

using msgapp::protocol::line_framer;
using msgapp::test::printable;

// What next() produced, copied out of the framer (its views die on the next call).
struct got {
  std::string text;
  bool too_long = false;
};

got line(std::string text) {
  return {std::move(text), false};
}
const got too_long{"", true};

// One readable string per result list, so a mismatch shows both sides in full.
std::string show(const std::vector<got>& lines) {
  std::string out = "[";
  for (const auto& l : lines) {
    if (out.size() > 1) out += ", ";
    if (l.too_long) {
      out += "<too long>";
    } else {  // appended piece by piece: `"\"" + s + "\""` trips g++ 12's -Wstringop-overflow at
              // -O2
      out += '"';
      out += printable(l.text);
      out += '"';
    }
  }
  return out + "]";
}

std::vector<got> drain(line_framer& f) {
  std::vector<got> out;
  while (auto l = f.next())
    out.push_back({std::string(l->text), l->too_long});
  return out;
}

// Feeds each chunk in turn and takes every line available after each feed.
std::vector<got> frame(std::size_t max_line, const std::vector<std::string>& feeds) {
  line_framer f(max_line);
  std::vector<got> out;
  for (const auto& chunk : feeds) {
    f.feed(chunk);
    for (auto& l : drain(f))
      out.push_back(std::move(l));
  }
  return out;
}

struct framing_case {
  const char* name;
  std::size_t max_line;
  std::vector<std::string> feeds;
  std::vector<got> expected;
};

const std::string x4095(4095, 'x');
const std::string x4096(4096, 'x');

const std::vector<framing_case> framing_cases = {
    {"one line in one feed", 4096, {"hello\n"}, {line("hello")}},
    {"a line split across feeds", 4096, {"hel", "lo wo", "rld\n"}, {line("hello world")}},
    {"many lines in one feed", 4096, {"a\nbb\nccc\n"}, {line("a"), line("bb"), line("ccc")}},
    {"lines and partial lines across feeds",
     4096,
     {"one\ntw", "o\nthr", "ee\n"},
     {line("one"), line("two"), line("three")}},
    {"CRLF endings drop the CR", 4096, {"hi\r\nthere\r\n"}, {line("hi"), line("there")}},
    {"CR and LF in separate feeds", 4096, {"hi\r", "\n"}, {line("hi")}},
    {"only one trailing CR is dropped", 4096, {"hi\r\r\n"}, {line("hi\r")}},
    {"a CR inside a line is kept", 4096, {"a\rb\n"}, {line("a\rb")}},
    {"empty lines", 4096, {"\n\r\n\n"}, {line(""), line(""), line("")}},
    {"no newline yet gives nothing", 4096, {"partial", " still"}, {}},
    {"no feed at all gives nothing", 4096, {}, {}},
    {"multi-byte UTF-8 split between feeds",
     4096,
     {"h\xC3", "\xA9llo \xF0\x9F", "\x8E\x89\n"},
     {line("h\xC3\xA9llo \xF0\x9F\x8E\x89")}},
    {"NUL bytes pass through untouched", 4096, {std::string("a\0b\n", 4)}, {line({"a\0b", 3})}},
    {"over-long line in one feed, then the next line is usable",
     8,
     {"0123456789\nok\n"},
     {too_long, line("ok")}},
    {"over-long line spanning several feeds is reported once",
     8,
     {"0123", "4567", "89ab", "cdef", "\nok\n"},
     {too_long, line("ok")}},
    {"over-long line whose end arrives with more lines",
     8,
     {"0123456789", "abc\nnext\nmore\n"},
     {too_long, line("next"), line("more")}},
    {"two over-long lines in a row are reported once each",
     8,
     {"0123456789\n0123456789\nok\n"},
     {too_long, too_long, line("ok")}},
    {"after an over-long line, a partial line waits for its end",
     8,
     {"0123456789\npar", "tia", "l\n"},
     {too_long, line("partial")}},
    {"exact limit: max_line-1 bytes plus newline fits", 8, {"1234567\n"}, {line("1234567")}},
    {"exact limit: same, with the newline in a later feed",
     8,
     {"1234567", "\n"},
     {line("1234567")}},
    {"one over: max_line bytes plus newline is too long", 8, {"12345678\n"}, {too_long}},
    {"max_line bytes without a newline are too long at once", 8, {"12345678"}, {too_long}},
    {"max_line-1 bytes without a newline still wait", 8, {"1234567"}, {}},
    {"the CR counts toward the limit (fits)", 8, {"123456\r\n"}, {line("123456")}},
    {"the CR counts toward the limit (too long)", 8, {"1234567\r\n"}, {too_long}},
    {"default limit: 4095 bytes plus newline fits", 4096, {x4095 + "\n"}, {line(x4095)}},
    {"default limit: 4096 bytes plus newline is too long", 4096, {x4096 + "\n"}, {too_long}},
    {"default limit: 4096 bytes without newline, then more lines",
     4096,
     {x4096, "tail\nok\n"},
     {too_long, line("ok")}},
    {"lines fed one by one, taken after each feed",
     4096,
     {"a\n", "b\n", "c\n"},
     {line("a"), line("b"), line("c")}},
};

}  // namespace

TEST_CASE("line_framer splits a byte stream into lines", "[line_framer]") {
  const auto& c = GENERATE(from_range(framing_cases));
  INFO("case: " << c.name << " (max_line " << c.max_line << ")");
  CHECK(show(frame(c.max_line, c.feeds)) == show(c.expected));
}

TEST_CASE("line_framer gives the same lines however the stream is cut", "[line_framer]") {
  // Normal lines, CRLF, an empty line, an over-long line with a newline, one without a
  // newline for a while, and a line after it: max_line is 8.
  const std::string stream = "alpha\nbeta\r\n\n0123456789ABCDEF\ngamma\n0123456789abc\nlast\n";
  const std::vector<got> expected = {line("alpha"), line("beta"), line(""),    too_long,
                                     line("gamma"), too_long,     line("last")};
  REQUIRE(show(frame(8, {stream})) == show(expected));

  for (std::size_t i = 0; i <= stream.size(); ++i) {
    for (std::size_t j = i; j <= stream.size(); ++j) {
      const std::vector<std::string> feeds = {stream.substr(0, i), stream.substr(i, j - i),
                                              stream.substr(j)};
      INFO("cut at " << i << " and " << j);
      REQUIRE(show(frame(8, feeds)) == show(expected));
    }
  }

  std::vector<std::string> bytes;
  for (char c : stream)
    bytes.emplace_back(1, c);
  CHECK(show(frame(8, bytes)) == show(expected));
}

TEST_CASE("line_framer lines pulled later keep their order", "[line_framer]") {
  // Feeding compacts the buffer: lines fed earlier but not yet taken must survive it.
  line_framer f(4096);
  f.feed("a\nb");
  auto first = f.next();
  REQUIRE(first);
  CHECK(first->text == "a");
  f.feed("\nc\n");
  f.feed("d\n");
  CHECK(show(drain(f)) == show({line("b"), line("c"), line("d")}));
}

TEST_CASE("line_framer buffered() counts bytes not yet returned", "[line_framer]") {
  line_framer f(4096);
  CHECK(f.buffered() == 0);
  CHECK_FALSE(f.next());
  f.feed("abc");
  CHECK(f.buffered() == 3);
  CHECK_FALSE(f.next());
  CHECK(f.buffered() == 3);
  f.feed("\nde");
  CHECK(f.buffered() == 6);
  auto l = f.next();
  REQUIRE(l);
  CHECK(l->text == "abc");
  CHECK(f.buffered() == 2);
  f.feed("\n");
  l = f.next();
  REQUIRE(l);
  CHECK(l->text == "de");
  CHECK(f.buffered() == 0);
  CHECK_FALSE(f.next());
  CHECK(f.buffered() == 0);
}

TEST_CASE("line_framer holds nothing once every line is consumed", "[line_framer]") {
  line_framer f(4096);
  f.feed("one\ntwo\r\nthree\n");
  CHECK(drain(f).size() == 3);
  CHECK(f.buffered() == 0);

  SECTION("and is usable again afterwards") {
    f.feed("four\n");
    CHECK(show(drain(f)) == show({line("four")}));
    CHECK(f.buffered() == 0);
  }
}

TEST_CASE("line_framer keeps only the partial line after a big read, not the read",
          "[line_framer]") {
  line_framer f(4096);
  std::string read;
  while (read.size() < 64 * 1024)
    read += "message bob hello there\n";
  read += "message bob half a li";  // the read ends inside a line, as busy clients' reads do
  const auto short_part = GENERATE(false, true);  // longer than std::string's inline buffer, or not
  if (short_part) read.resize(read.size() - std::string_view("ob half a li").size());
  const std::string partial = read.substr(read.rfind('\n') + 1);
  f.feed(read);
  CHECK(f.capacity() >= 64 * 1024);
  std::size_t lines = 0;
  while (auto l = f.next()) {
    CHECK(l->text == "message bob hello there");
    ++lines;
  }
  CHECK(lines == 64 * 1024 / 24 + 1);
  CHECK(f.buffered() == partial.size());
  CHECK(f.capacity() <= 2 * 4096);

  f.feed("|end\n");  // the held part still joins the rest of its line
  const auto l = f.next();
  REQUIRE(l);
  CHECK(l->text == partial + "|end");
  CHECK_FALSE(f.next());
  CHECK(f.buffered() == 0);
}

TEST_CASE("line_framer keeps no bytes of an over-long line it is skipping", "[line_framer]") {
  line_framer f(16);
  f.feed(std::string(16, 'x'));
  CHECK(show(drain(f)) == show({too_long}));
  CHECK(f.buffered() == 0);

  // Much more of the same line: nothing is reported and nothing piles up.
  for (int round = 0; round < 100; ++round) {
    f.feed(std::string(1000, 'y'));
    CHECK_FALSE(f.next());
    CHECK(f.buffered() == 0);
  }
  f.feed("end of it\nok\n");
  CHECK(show(drain(f)) == show({line("ok")}));
  CHECK(f.buffered() == 0);
}

TEST_CASE("line_framer reports a megabyte line exactly once", "[line_framer]") {
  line_framer f(4096);
  int reports = 0;
  for (int chunk = 0; chunk < 1000; ++chunk) {
    f.feed(std::string(1000, 'z'));
    for (const auto& l : drain(f)) {
      CHECK(l.too_long);
      ++reports;
    }
    // A partial line waits (under max_line bytes); once reported, nothing is kept.
    CHECK(f.buffered() < 4096);
    if (reports > 0) CHECK(f.buffered() == 0);
  }
  f.feed("\nafter\n");
  CHECK(show(drain(f)) == show({line("after")}));
  CHECK(reports == 1);
}
