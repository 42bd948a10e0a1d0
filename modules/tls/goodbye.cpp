// close_notify, sent once and not awaited back.
#include "msgapp/tls/goodbye.hpp"

#include <openssl/ssl.h>

namespace msgapp::tls {

awaitable<std::error_code> send_close_notify(ssl::stream<tcp::socket>& stream) {
  // As if the peer's close_notify had come: SSL_shutdown then writes ours and is done, where
  // otherwise Asio's async_shutdown would go on to read the peer's.
  SSL_set_shutdown(stream.native_handle(),
                   SSL_get_shutdown(stream.native_handle()) | SSL_RECEIVED_SHUTDOWN);
  auto [ec] = co_await stream.async_shutdown(use_nothrow);
  co_return ec;
}

}  // namespace msgapp::tls
