// One client connection, from accept to goodbye, as a single coroutine.
#pragma once

#include <msgapp/net.hpp>
#include <msgapp/tls/context.hpp>

#include "msgapp/server/config.hpp"
#include "msgapp/server/hub.hpp"

namespace msgapp::server {

// `the_hub` and `cfg` belong to the server, which outlives every session (server::run()
// returns only after the hub has seen every connection detach).
awaitable<void> run_session(tcp::socket socket, conn_id id, hub& the_hub, const config& cfg);
// The same over TLS, with the server's `context` (kept alive by the session that uses it).
// `handshaking` counts handshakes in progress: the caller counted this one in, and the
// session counts it out when its handshake ends, however it ends.
awaitable<void> run_session(tcp::socket socket, tls::context_ptr context, std::size_t& handshaking,
                            conn_id id, hub& the_hub, const config& cfg);

}  // namespace msgapp::server
