// JSON strings and objects for --json, with UTF-8 checked byte by byte.
#include "json_writer.hpp"

#include <fmt/format.h>

namespace msgapp::apps {
namespace {

// The code point starting at `s[i]` and its length in bytes; length 0 when the bytes there are
// not UTF-8 (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, cut short).
struct decoded {
  char32_t cp = 0;
  std::size_t size = 0;
};

decoded decode(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return {b0, 1};
  std::size_t n = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return {};
  }
  if (i + n > s.size()) return {};
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
  return {cp, n};
}

bool escaped_as_code(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

}  // namespace

std::string json_string(std::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  for (std::size_t i = 0; i < text.size();) {
    const decoded d = decode(text, i);
    if (d.size == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    switch (d.cp) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (escaped_as_code(d.cp)) {
          out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(d.cp));
        } else {
          out.append(text.substr(i, d.size));
        }
    }
    i += d.size;
  }
  return out + '"';
}

void json_object::key(std::string_view k) {
  if (out_.size() > 1) out_ += ',';
  out_ += json_string(k);
  out_ += ':';
}

json_object& json_object::text(std::string_view k, std::string_view value) {
  key(k);
  out_ += json_string(value);
  return *this;
}

json_object& json_object::number(std::string_view k, std::uint64_t value) {
  key(k);
  out_ += std::to_string(value);
  return *this;
}

json_object& json_object::flag(std::string_view k, bool value) {
  key(k);
  out_ += value ? "true" : "false";
  return *this;
}

json_object& json_object::texts(std::string_view k, const std::vector<std::string>& values) {
  key(k);
  out_ += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out_ += ',';
    out_ += json_string(values[i]);
  }
  out_ += ']';
  return *this;
}

}  // namespace msgapp::apps
