// Text from the network made safe to print: no byte of it can steer a terminal.
#pragma once

#include <string>
#include <string_view>

namespace msgapp::ui {

// Returns `text` with everything that could steer a terminal or mislead a reader shown as a
// visible escape instead. Printable UTF-8 (accents, CJK, emoji) passes unchanged, and so does
// a backslash, so ordinary text keeps its exact bytes; the result is always valid UTF-8 with
// no control character, and safe_text(safe_text(t)) == safe_text(t).
//
//   a C0 control (0x00-0x1F: ESC, BEL, CR, TAB...) or DEL    `\xNN`   ESC -> \x1b
//   a byte that is not part of valid UTF-8 (a raw 8-bit CSI  `\xNN`   9B  -> \x9b
//     0x9B, an overlong form, a surrogate, a code point
//     past U+10FFFF, a truncated sequence), byte by byte
//   a C1 control written as UTF-8 (U+0080-U+009F)            `\uNNNN` C2 9B -> \u009b
//   a bidi override or isolate (U+202A-U+202E, U+2066-2069)  `\uNNNN` U+202E -> \u202e
//
// Hex digits are lower case. One pass, at most 4 bytes looked at per step: linear in the size
// of `text`; the result is at most 4 times as long.
std::string safe_text(std::string_view text);

}  // namespace msgapp::ui
