// A timer as one awaitable: `co_await sleep_for(d)`, or raced: `co_await (op || sleep_for(d))`.
#pragma once

#include <chrono>

#include <msgapp/net.hpp>

namespace msgapp {

// Never throws (operands of `||` must not: see msgapp/net.hpp), so a cancelled sleep just ends.
inline awaitable<void> sleep_for(std::chrono::steady_clock::duration d) {
  net::steady_timer timer(co_await net::this_coro::executor, d);
  co_await timer.async_wait(use_nothrow);
}

}  // namespace msgapp
