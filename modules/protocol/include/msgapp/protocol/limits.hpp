// Every size bound of the wire protocol, named once; servers and tests may shrink them.
#pragma once

#include <cstddef>

namespace msgapp::protocol {

struct limits {
  std::size_t max_line = 4096;  // bytes, including the '\n'
  std::size_t max_text = 2048;  // bytes of message or broadcast text
  std::size_t max_name = 32;    // bytes of a user name
  std::size_t max_password = 128;
};

inline constexpr int version = 1;

}  // namespace msgapp::protocol
