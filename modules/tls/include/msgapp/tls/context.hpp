// The TLS contexts msgapp uses, each with its policy set once: what a server offers and what a
// client trusts. Errors (a missing file, a key that does not match) are values with a sentence.
#pragma once

#include <memory>
#include <string>
#include <system_error>

#include <asio/ssl.hpp>
#include <tl/expected.hpp>

#include <msgapp/net.hpp>

namespace msgapp::tls {

namespace ssl = asio::ssl;
using context_ptr = std::shared_ptr<ssl::context>;

// A server's context: the certificate chain and private key from PEM files; TLS 1.2 at least,
// 1.3 preferred, no compression, no renegotiation.
tl::expected<context_ptr, std::string> server_context(const std::string& cert_file,
                                                      const std::string& key_file);

// What a client trusts. By default the system's CA store; `ca_file` trusts that PEM file
// instead (a self-signed server). `insecure` checks nothing at all: for tests only.
struct trust {
  std::string ca_file;
  bool insecure = false;
};
tl::expected<context_ptr, std::string> client_context(const trust& t);

// Before a client handshake: send `host` as SNI (names only) and accept only a certificate
// for `host` (a DNS name or an IP address literal).
std::error_code expect_host(ssl::stream<tcp::socket>& stream, const std::string& host);

// Why a handshake failed, for logs and people: OpenSSL's reason ("certificate verify failed",
// "wrong version number"), never a key or a secret.
std::string describe(const std::error_code& ec);

}  // namespace msgapp::tls
