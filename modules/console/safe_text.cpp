// safe_text: one strict UTF-8 decoding pass that escapes controls, bidi controls and bad bytes.
#include "msgapp/console/safe_text.hpp"

#include <cstddef>
#include <cstdint>

namespace msgapp::ui {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// The length of the valid UTF-8 sequence at the start of `s` (RFC 3629: no overlong form, no
// surrogate, nothing past U+10FFFF), or 0 when it does not start with one.
std::size_t sequence_length(std::string_view s, char32_t& cp) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char low = 0x80;  // the range of the second byte, narrowed for E0, ED, F0 and F4
  unsigned char high = 0xBF;
  if (lead < 0x80) {
    cp = lead;
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, cp = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) high = 0x9F;  // surrogates U+D800-U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, cp = lead & 0x07;
    if (lead == 0xF0) low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (always overlong) or F5-FF
  }
  if (s.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char c = byte(i);
    if (c < (i == 1 ? low : 0x80) || c > (i == 1 ? high : 0xBF)) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  return length;
}

bool is_c0_or_del(char32_t cp) {
  return cp < 0x20 || cp == 0x7F;
}

bool is_c1_or_bidi(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

void append_byte_escape(std::string& out, unsigned char c) {
  out += "\\x";
  out += hex_digits[c >> 4];
  out += hex_digits[c & 0xF];
}

void append_code_point_escape(std::string& out, char32_t cp) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4)
    out += hex_digits[(cp >> shift) & 0xF];
}

}  // namespace

std::string safe_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    char32_t cp = 0;
    const std::size_t n = sequence_length(text, cp);
    if (n == 0 || is_c0_or_del(cp)) {
      append_byte_escape(out, static_cast<unsigned char>(text[0]));
      text.remove_prefix(1);  // the next byte starts afresh, so one bad byte costs only itself
      continue;
    }
    if (is_c1_or_bidi(cp)) {
      append_code_point_escape(out, cp);
    } else {
      out.append(text.substr(0, n));
    }
    text.remove_prefix(n);
  }
  return out;
}

}  // namespace msgapp::ui
