// Reaching the server: the TLS trust to use, connecting within a time limit, and why not.
#pragma once

#include <optional>
#include <string>

#include <msgapp/client/client.hpp>
#include <msgapp/net.hpp>
#include <tl/expected.hpp>

#include "options.hpp"
#include "output.hpp"

namespace msgapp::apps {

// The TLS side of connecting, or nothing when the trust given cannot be loaded (said why).
// Made once per run, so --insecure warns once.
std::optional<client::connect_options> tls_options(output& out, const client_options& options);

// Connects (name lookup, TCP, TLS, greeting) within connect_timeout; or why not, in words.
awaitable<tl::expected<client::client, std::string>> try_connect(client_options options,
                                                                 client::connect_options how);

// The same, saying through `out` why not (`cannot connect to <host> port <port>: ...`).
awaitable<std::optional<client::client>> connect_to(output& out, client_options options,
                                                    client::connect_options how);

}  // namespace msgapp::apps
