// Splitting a received line word by word: shared by every parser of the protocol's lines.
#pragma once

#include <string_view>

namespace msgapp::protocol {

// The first word of `s` (up to one space), removed from `s` together with that space.
inline std::string_view take_word(std::string_view& s) {
  const auto end = s.find(' ');
  const auto word = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end + 1);
  return word;
}

}  // namespace msgapp::protocol
