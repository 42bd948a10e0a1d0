// The back-off loop of reconnecting; what one try does is run_client's business.
#include "reconnect.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <msgapp/console/safe_text.hpp>
#include <msgapp/net/sleep.hpp>

#include "display.hpp"

namespace msgapp::apps {
namespace {

bool cancelled(const net::cancellation_state& state) {
  return state.cancelled() != net::cancellation_type::none;
}

std::string in_seconds(std::chrono::milliseconds pause) {
  return fmt::format("{} s", std::chrono::duration_cast<std::chrono::seconds>(pause).count());
}

}  // namespace

std::chrono::milliseconds next_retry_pause(std::chrono::milliseconds pause) {
  return std::min(pause * 2, longest_retry_pause);
}

awaitable<std::optional<client::client>> reconnect(output& out, reconnect_attempt attempt) {
  auto pause = first_retry_pause;
  for (;;) {
    auto tried = co_await attempt();
    // Checked after every wait, and read as it is (into a named local, see chat.cpp): once
    // cancelled, co_await of an awaitable throws (Asio's throw_if_cancelled).
    const auto state = co_await net::this_coro::cancellation_state;
    if (cancelled(state)) co_return std::nullopt;
    switch (tried.what) {
      case reconnect_try::outcome::logged_in:
        co_return std::move(tried.server);
      case reconnect_try::outcome::refused:
        out.print(error_line(fmt::format("cannot log in again: {}; not reconnecting", tried.why)));
        co_return std::nullopt;
      case reconnect_try::outcome::unreachable:
        break;
    }
    out.print(ui::safe_text(
        fmt::format("still not connected ({}); trying again in {}", tried.why, in_seconds(pause))));
    co_await sleep_for(pause);
    const auto slept = co_await net::this_coro::cancellation_state;
    if (cancelled(slept)) co_return std::nullopt;
    pause = next_retry_pause(pause);
  }
}

}  // namespace msgapp::apps
