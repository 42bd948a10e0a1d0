// The TLS connection, compiled once: one asynchronous gather write per flush, async reads.
#include "msgapp/server/tls_connection.hpp"

#include <msgapp/tls/goodbye.hpp>

namespace msgapp::server {

awaitable<std::error_code> stream_ends<tls_stream>::goodbye(tls_stream& stream) {
  return tls::send_close_notify(stream);
}

template class basic_connection<tls_stream>;

}  // namespace msgapp::server
