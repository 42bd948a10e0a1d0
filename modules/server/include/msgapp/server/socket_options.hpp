// The options every accepted socket gets: no Nagle delay, and keepalive to find dead peers.
#pragma once

#include <msgapp/net.hpp>

#include "msgapp/server/config.hpp"

namespace msgapp::server {

// TCP_NODELAY (we batch writes ourselves); with config::keepalive_idle, SO_KEEPALIVE with
// TCP_KEEPIDLE/KEEPINTVL/KEEPCNT, and TCP_USER_TIMEOUT of the same total, so a client that
// vanished without a FIN, with or without data in flight, is dropped after
// keepalive_idle + keepalive_interval x keepalive_probes. Failures are ignored: the
// connection then only lacks the option.
void set_socket_options(tcp::socket& socket, const config& cfg);

// idle + interval x probes: when a vanished client is found dead (0: never, keepalive off).
milliseconds keepalive_total(const config& cfg);

}  // namespace msgapp::server
