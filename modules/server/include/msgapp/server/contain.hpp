// Completion handlers for co_spawn: the one place where unexpected exceptions are reported.
#pragma once

#include <exception>
#include <string_view>

#include <spdlog/spdlog.h>

namespace msgapp::server {

// For coroutines whose failure must not end the server (a session, a writer): an exception
// here is a bug, so it is logged loudly, and only that coroutine ends.
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

}  // namespace msgapp::server
