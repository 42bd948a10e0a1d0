// msgclient's whole life, top to bottom: connect, log in, chat, leave.
#pragma once

#include <chrono>

#include <msgapp/console/console.hpp>
#include <msgapp/net.hpp>

#include "options.hpp"

namespace msgapp::apps {

inline constexpr int exit_ok = 0;      // logged out, or end of input
inline constexpr int exit_failed = 1;  // not logged in, timed out, or the server was lost

// How long peers get to hear `bye` when we leave before their connections are cut.
inline constexpr std::chrono::milliseconds bye_grace{2'000};

// Returns the exit status. Every outcome the user can cause is a status, not an exception.
awaitable<int> run_client(ui::console& con, client_options options);

}  // namespace msgapp::apps
