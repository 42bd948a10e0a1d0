// Every size bound of the wire protocol, named once; servers and tests may shrink them.
#pragma once

#include <chrono>
#include <cstddef>

namespace msgapp::protocol {

struct limits {
  std::size_t max_line = 4096;  // bytes, including the '\n'
  std::size_t max_text = 2048;  // bytes of message or broadcast text
  std::size_t max_name = 32;    // bytes of a user name
  std::size_t max_password = 128;
  std::size_t max_token =
      64;  // bytes of a private-session token (`privateaccept`, `private-hello`)
};

// 2: `receipts`, `confirm` and the `stored` event (exactly-once offline messages).
inline constexpr int version = 2;

// How long a private-session offer stays good: the server voids it then, and the offered
// client stops waiting for its caller at the same time.
inline constexpr std::chrono::milliseconds private_offer_lifetime{60'000};

}  // namespace msgapp::protocol
