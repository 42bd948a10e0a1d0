// One client connection, from accept to goodbye, as a single coroutine.
#pragma once

#include <msgapp/net.hpp>

#include "msgapp/server/config.hpp"
#include "msgapp/server/hub.hpp"

namespace msgapp::server {

// `the_hub` and `cfg` belong to the server, which outlives every session (server::run()
// returns only after the hub has seen every connection detach).
awaitable<void> run_session(tcp::socket socket, conn_id id, hub& the_hub, const config& cfg);

}  // namespace msgapp::server
