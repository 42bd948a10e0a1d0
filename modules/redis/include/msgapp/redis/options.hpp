// The limits and time-outs of one Redis connection (client or subscriber).
#pragma once

#include <chrono>
#include <cstddef>

namespace msgapp::redis {

struct client_options {
  std::chrono::milliseconds connect_timeout{1000};
  // When the oldest pending command is older than this, the connection is counted lost and
  // every pending command fails (hiredis 0.14 has no time-outs of its own).
  std::chrono::milliseconds command_timeout{2000};
  std::chrono::milliseconds reconnect_delay{200};  // between attempts
  std::size_t max_pending = 65536;                 // commands in flight; more fail at once
};

}  // namespace msgapp::redis
