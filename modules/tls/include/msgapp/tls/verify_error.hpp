// Why a client refused the server's certificate, as an error code people can read: OpenSSL's
// handshake error says only "certificate verify failed"; the verification result says why.
#pragma once

#include <system_error>

#include "msgapp/tls/context.hpp"

namespace msgapp::tls {

// The category of certificate refusals; a code's value is OpenSSL's X509_V_ERR_* result.
const std::error_category& verify_category();

// After a failed client handshake: the refusal (e.g. "the server's certificate is not for that
// host (hostname mismatch)") when verification is what failed, otherwise `handshake_error`.
std::error_code refusal(ssl::stream<tcp::socket>& stream, std::error_code handshake_error);

}  // namespace msgapp::tls
