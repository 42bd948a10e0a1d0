// Certificate refusals as error codes: the X509 verification result, in words.
#include "msgapp/tls/verify_error.hpp"

#include <string>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace msgapp::tls {
namespace {

class verify_error_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "msgapp.tls.verify"; }
  std::string message(int value) const override {
    const char* why = X509_verify_cert_error_string(value);
    if (value == X509_V_ERR_HOSTNAME_MISMATCH || value == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      return fmt::format("the server's certificate is not for that host ({})", why);
    }
    return fmt::format("the server's certificate is not trusted ({})", why);
  }
};

}  // namespace

const std::error_category& verify_category() {
  static const verify_error_category category;
  return category;
}

std::error_code refusal(ssl::stream<tcp::socket>& stream, std::error_code handshake_error) {
  const bool verify_failed = handshake_error.category() == net::error::get_ssl_category() &&
                             ERR_GET_REASON(static_cast<unsigned long>(handshake_error.value())) ==
                                 SSL_R_CERTIFICATE_VERIFY_FAILED;
  const long result = SSL_get_verify_result(stream.native_handle());
  if (!verify_failed || result == X509_V_OK) return handshake_error;
  return std::error_code(static_cast<int>(result), verify_category());
}

}  // namespace msgapp::tls
