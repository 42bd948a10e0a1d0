// Test helper for the server-line tests: the texts every round trip carries, and strip().
#pragma once

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace msgapp::test {

// A formatted line minus its '\n', which every format_* result must end with (and hold once).
inline std::string strip(const std::string& line) {
  REQUIRE_FALSE(line.empty());
  REQUIRE(line.back() == '\n');
  const auto body = line.substr(0, line.size() - 1);
  CHECK(body.find('\n') == std::string::npos);
  return body;
}

// Plain, spaced, trailing spaces, Unicode, words that look like a header or an event, empty.
inline const std::vector<std::string> sample_texts = {
    "hi",
    "hi there",
    "inner  double   spaces",
    "trailing spaces  ",
    "  leading spaces",
    "h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x8E\x89",
    "looks like msg 2026-01-01T00:00:00Z eve words",
    "logged in",
    "",
};

}  // namespace msgapp::test
