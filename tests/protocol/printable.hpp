// Test helper: shows arbitrary bytes (control, non-ASCII) readably in Catch2 failure messages.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace msgapp::test {

// "a\tb\xC3" -> "a\x09b\xC3": printable ASCII as is, every other byte as \xHH; long runs of one
// byte are shortened so a 5000-byte line does not flood the report.
inline std::string printable(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size();) {
    std::size_t run = 1;
    while (i + run < bytes.size() && bytes[i + run] == bytes[i])
      ++run;
    const auto c = static_cast<unsigned char>(bytes[i]);
    std::string one;
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      one = static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      one = hex;
    }
    if (run > 8) {
      out += one + "{x" + std::to_string(run) + "}";
    } else {
      for (std::size_t k = 0; k < run; ++k)
        out += one;
    }
    i += run;
  }
  return out;
}

}  // namespace msgapp::test
