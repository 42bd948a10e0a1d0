// Closing a TLS connection politely: a close_notify alert, so the peer can tell our end of the
// stream from a cut connection (which it sees as stream_truncated).
#pragma once

#include <system_error>

#include "msgapp/tls/context.hpp"

namespace msgapp::tls {

// Sends close_notify without waiting for the peer's: we close the socket next, and a second
// reader of the stream (the session already has one pending) must not exist. Bound it with a
// timer: a peer that reads nothing can stall the write.
awaitable<std::error_code> send_close_notify(ssl::stream<tcp::socket>& stream);

}  // namespace msgapp::tls
