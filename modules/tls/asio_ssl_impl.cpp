// Asio's SSL implementation, compiled once (ASIO_SEPARATE_COMPILATION; see modules/net).
#include <asio/ssl/impl/src.hpp>
