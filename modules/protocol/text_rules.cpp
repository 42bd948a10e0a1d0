// Validation of received text: UTF-8 well-formedness, control bytes, names and passwords.
#include "msgapp/protocol/text_rules.hpp"

#include <algorithm>

namespace msgapp::protocol {

std::string_view code_word(errc code) {
  switch (code) {
    case errc::empty_line:
      return "empty-line";
    case errc::line_too_long:
      return "line-too-long";
    case errc::bad_encoding:
      return "bad-encoding";
    case errc::control_char:
      return "control-char";
    case errc::bad_command:
      return "bad-command";
    case errc::usage:
      return "usage";
    case errc::not_logged_in:
      return "not-logged-in";
    case errc::already_logged_in:
      return "already-logged-in";
    case errc::unknown_user:
      return "unknown-user";
    case errc::wrong_password:
      return "wrong-password";
    case errc::login_blocked:
      return "login-blocked";
    case errc::already_online:
      return "already-online";
    case errc::self:
      return "self";
    case errc::blocked:
      return "blocked";
    case errc::already_blocked:
      return "already-blocked";
    case errc::not_blocked:
      return "not-blocked";
    case errc::text_too_long:
      return "text-too-long";
    case errc::queue_full:
      return "queue-full";
    case errc::unavailable:
      return "unavailable";
    case errc::server_full:
      return "server-full";
    case errc::offline:
      return "offline";
    case errc::no_offer:
      return "no-offer";
    case errc::quota:
      return "quota";
    case errc::not_saved:
      return "not-saved";
    case errc::login_busy:
      return "login-busy";
    case errc::flooding:
      return "flooding";
    case errc::too_many_connections:
      return "too-many-connections";
    case errc::cluster_unavailable:
      return "cluster-unavailable";
  }
  return "error";
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    char32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;  // a continuation byte or 0xF8.. cannot start a character
    }
    if (i + extra >= s.size()) return false;  // truncated character
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Reject overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    static constexpr char32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

namespace {
bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7F;
}
}  // namespace

tl::expected<void, error> check_line(std::string_view line) {
  if (line.empty()) return tl::unexpected(error{errc::empty_line, "empty line; type a command"});
  // One pass over the common case (printable ASCII); anything else takes the careful path.
  bool ascii = true;
  for (const char ch : line) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      return tl::unexpected(
          error{errc::control_char, "the line holds a control character (NUL, tab, escape...)"});
    }
    ascii = ascii && c < 0x80;
  }
  if (ascii) return {};
  if (!is_valid_utf8(line)) {
    return tl::unexpected(error{errc::bad_encoding, "the line is not valid UTF-8"});
  }
  // C1 controls (U+0080..U+009F, encoded C2 80..C2 9F) steer terminals too, e.g. U+009B CSI.
  for (std::size_t i = 0; i + 1 < line.size(); ++i) {
    if (static_cast<unsigned char>(line[i]) == 0xC2 &&
        static_cast<unsigned char>(line[i + 1]) < 0xA0) {
      return tl::unexpected(error{errc::control_char, "the line holds a control character"});
    }
  }
  return {};
}

bool is_valid_name(std::string_view name, const limits& lim) {
  if (name.empty() || name.size() > lim.max_name) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

bool is_valid_password(std::string_view password, const limits& lim) {
  if (password.empty() || password.size() > lim.max_password) return false;
  return std::none_of(password.begin(), password.end(),
                      [](char c) { return c == ' ' || is_control(static_cast<unsigned char>(c)); });
}

}  // namespace msgapp::protocol
