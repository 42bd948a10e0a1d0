// A client connection over TLS: basic_connection over asio::ssl's stream, and how that stream
// ends (close_notify out; a peer's missing one is a truncation).
#pragma once

#include <msgapp/tls/context.hpp>

#include "msgapp/server/connection.hpp"

namespace msgapp::server {

using tls_stream = tls::ssl::stream<tcp::socket>;

template <>
struct stream_ends<tls_stream> {
  static bool truncated(const std::error_code& ec) {
    return ec == tls::ssl::error::stream_truncated;
  }
  static awaitable<std::error_code> goodbye(tls_stream& stream);
};

using tls_connection = basic_connection<tls_stream>;
extern template class basic_connection<tls_stream>;  // compiled once, in connection_tls.cpp

}  // namespace msgapp::server
