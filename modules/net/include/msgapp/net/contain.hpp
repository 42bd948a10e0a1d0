// The completion handler for co_spawn: the one place where unexpected exceptions are reported.
#pragma once

#include <exception>
#include <string_view>

#include <spdlog/spdlog.h>

namespace msgapp {

// For coroutines whose failure must not end the program (a session, a writer, a private
// session): an exception there is a bug, so it is logged loudly, and only that coroutine ends.
// Use it instead of a bare `detached`, which would drop the exception without a sound.
struct log_and_contain {
  std::string_view what;
  void operator()(std::exception_ptr e) const {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::error("bug: {} ended by an exception: {}", what, x.what());
    }
  }
};

}  // namespace msgapp
