// Short names for the Asio pieces used everywhere, so the rest of the code reads as prose.
#pragma once

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/experimental/channel.hpp>

namespace msgapp {

namespace net = asio;
using tcp = asio::ip::tcp;
using asio::awaitable;

// Completion token that returns errors as values: `auto [ec, n] = co_await op(use_nothrow);`.
// Every operation raced with `||` must use it, because `||` waits for a *success* (Asio 1.22).
inline constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

template <typename T>
using channel = asio::experimental::channel<void(asio::error_code, T)>;

}  // namespace msgapp
