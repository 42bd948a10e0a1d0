// The TLS policies of server and client, on top of OpenSSL through asio::ssl.
#include "msgapp/tls/context.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace msgapp::tls {
namespace {

// Options both sides share: no SSLv2/3, TLS 1.0/1.1, compression or renegotiation.
void harden(ssl::context& ctx) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.native_handle(), SSL_OP_NO_RENEGOTIATION);
}

std::string openssl_reason(const std::error_code& ec) {
  return ec.message();
}

}  // namespace

tl::expected<context_ptr, std::string> server_context(const std::string& cert_file,
                                                      const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  harden(*ctx);
  std::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return tl::unexpected(
        fmt::format("{}: cannot use it as a certificate chain: {}", cert_file, openssl_reason(ec)));
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    return tl::unexpected(
        fmt::format("{}: cannot use it as a private key: {}", key_file, openssl_reason(ec)));
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return tl::unexpected(
        fmt::format("{} is not the private key of the certificate in {}", key_file, cert_file));
  }
  // The server chooses: its cipher order, TLS 1.3 whenever the client has it.
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  return ctx;
}

tl::expected<context_ptr, std::string> client_context(const trust& t) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  harden(*ctx);
  if (t.insecure) {
    ctx->set_verify_mode(ssl::verify_none);
    return ctx;
  }
  std::error_code ec;
  if (t.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec)
      return tl::unexpected(fmt::format("cannot load the system's CA store: {}", ec.message()));
  } else {
    ctx->load_verify_file(t.ca_file, ec);
    if (ec) {
      return tl::unexpected(
          fmt::format("{}: cannot load it as CA certificates: {}", t.ca_file, openssl_reason(ec)));
    }
  }
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return ctx;
}

std::error_code expect_host(ssl::stream<tcp::socket>& stream, const std::string& host) {
  SSL* ssl = stream.native_handle();
  std::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (!ec) {
    // An IP literal: no SNI (RFC 6066 forbids it); the certificate must name the address.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, address.to_string().c_str()) != 1) {
      return std::make_error_code(std::errc::invalid_argument);
    }
    return {};
  }
  if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1 || SSL_set1_host(ssl, host.c_str()) != 1) {
    ERR_clear_error();
    return std::make_error_code(std::errc::invalid_argument);
  }
  return {};
}

std::string describe(const std::error_code& ec) {
  if (ec == ssl::error::stream_truncated) return "the peer closed the connection mid-handshake";
  if (ec.category() == net::error::get_ssl_category()) {
    // ERR_reason_error_string gives the reason alone ("certificate verify failed").
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    if (reason != nullptr) return reason;
  }
  return ec.message();
}

}  // namespace msgapp::tls
