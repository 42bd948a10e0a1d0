// Options of accepted sockets: TCP_NODELAY and keepalive (seconds, as the kernel takes them).
#include "msgapp/server/socket_options.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

namespace msgapp::server {
namespace {

template <int Name>
using tcp_option = net::detail::socket_option::integer<IPPROTO_TCP, Name>;

int whole_seconds(milliseconds d) {
  return static_cast<int>(std::chrono::ceil<std::chrono::seconds>(d).count());
}

}  // namespace

milliseconds keepalive_total(const config& cfg) {
  if (cfg.keepalive_idle.count() <= 0) return milliseconds(0);
  return std::chrono::ceil<std::chrono::seconds>(cfg.keepalive_idle) +
         std::chrono::ceil<std::chrono::seconds>(cfg.keepalive_interval) * cfg.keepalive_probes;
}

void set_socket_options(tcp::socket& socket, const config& cfg) {
  std::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (cfg.keepalive_idle.count() <= 0) return;
  socket.set_option(net::socket_base::keep_alive(true), ignored);
  socket.set_option(tcp_option<TCP_KEEPIDLE>(whole_seconds(cfg.keepalive_idle)), ignored);
  socket.set_option(tcp_option<TCP_KEEPINTVL>(whole_seconds(cfg.keepalive_interval)), ignored);
  socket.set_option(tcp_option<TCP_KEEPCNT>(cfg.keepalive_probes), ignored);
  // Unacknowledged data stops keepalive probes; this bounds that case by the same total.
  socket.set_option(tcp_option<TCP_USER_TIMEOUT>(static_cast<int>(keepalive_total(cfg).count())),
                    ignored);
}

}  // namespace msgapp::server
