// The plain TCP connection, compiled once (basic_connection is a template over its stream).
#include "msgapp/server/connection.hpp"

namespace msgapp::server {

template class basic_connection<tcp::socket>;

}  // namespace msgapp::server
