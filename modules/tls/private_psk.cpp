// Private sessions over TLS 1.3 with an external PSK (OpenSSL 3): the key derivation, both
// contexts, and the two callbacks that hand OpenSSL the key, with per-connection data in ex_data.
#include "msgapp/tls/private_psk.hpp"

#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>

namespace msgapp::tls {
namespace {

// Domain separation: a key made here is good for nothing else, and the two outputs of one
// token cannot be told from each other.
constexpr std::string_view salt = "msgapp private session v1";
constexpr std::string_view key_label = "msgapp private session psk key";
constexpr std::string_view identity_label = "msgapp private session psk identity";
constexpr std::size_t identity_bytes = 16;
constexpr unsigned char aes_128_gcm_sha256[] = {0x13, 0x01};  // TLS_AES_128_GCM_SHA256
constexpr const char* only_suite = "TLS_AES_128_GCM_SHA256";

void hkdf(std::string_view secret, std::string_view label, unsigned char* out, std::size_t n) {
  using kdf_ptr = std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)>;
  using kdf_ctx_ptr = std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)>;
  const kdf_ptr kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr), &EVP_KDF_free);
  const kdf_ctx_ptr kctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr, &EVP_KDF_CTX_free);
  // OSSL_PARAM takes non-const pointers; HKDF only reads them.
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(label.data()),
                                        label.size()),
      OSSL_PARAM_construct_end()};
  if (!kctx || EVP_KDF_derive(kctx.get(), out, n, params) != 1) {
    ERR_clear_error();
    throw std::runtime_error("OpenSSL's HKDF (SHA-256) is not available");
  }
}

// What one connection keeps while its handshake runs: the caller's key and the identity that
// OpenSSL points at; on the listener, the token whose key was found.
struct psk_conn {
  psk secret;
  std::string token;
};

// asio::ssl keeps its own pointers in app_data, so ours have indexes of their own; OpenSSL
// frees them with the SSL and the SSL_CTX.
void free_conn(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<psk_conn*>(ptr);
}
void free_lookup(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<psk_lookup*>(ptr);
}
int conn_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_conn);
  return index;
}
int lookup_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_lookup);
  return index;
}

psk_conn* conn_of(SSL* ssl) {
  return static_cast<psk_conn*>(SSL_get_ex_data(ssl, conn_index()));
}
// SSL_set_ex_data does not free what it replaces; on failure the old data stays in place.
void set_conn(SSL* ssl, std::unique_ptr<psk_conn> conn) {
  std::unique_ptr<psk_conn> old(conn_of(ssl));
  if (SSL_set_ex_data(ssl, conn_index(), conn.get()) == 1) {
    conn.release();  // freed with the SSL (free_conn)
    return;
  }
  old.release();  // still the SSL's
}

// A session that carries nothing but the key, for TLS 1.3 and our one cipher suite.
SSL_SESSION* session_for(SSL* ssl, const psk& p) {
  const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, aes_128_gcm_sha256);
  SSL_SESSION* session = SSL_SESSION_new();
  if (cipher == nullptr || session == nullptr ||
      SSL_SESSION_set1_master_key(session, p.key.data(), p.key.size()) != 1 ||
      SSL_SESSION_set_cipher(session, cipher) != 1 ||
      SSL_SESSION_set_protocol_version(session, TLS1_3_VERSION) != 1) {
    SSL_SESSION_free(session);
    return nullptr;
  }
  return session;
}

// The callbacks run inside OpenSSL, so nothing may leave them as an exception: any failure
// fails the handshake instead.
int use_psk(SSL* ssl, const EVP_MD* md, const unsigned char** id, std::size_t* id_len,
            SSL_SESSION** session) {
  *session = nullptr;
  *id = nullptr;
  *id_len = 0;
  const psk_conn* conn = conn_of(ssl);
  if (conn == nullptr) return 0;
  SSL_SESSION* made = session_for(ssl, conn->secret);
  if (made == nullptr) return 0;
  // Called again after a HelloRetryRequest with the server's hash: ours must match it.
  if (md != nullptr && SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(made)) != md) {
    SSL_SESSION_free(made);
    return 1;
  }
  *session = made;  // OpenSSL owns it now
  *id = reinterpret_cast<const unsigned char*>(conn->secret.identity.data());
  *id_len = conn->secret.identity.size();
  return 1;
}

int find_psk(SSL* ssl, const unsigned char* identity, std::size_t identity_len,
             SSL_SESSION** session) {
  *session = nullptr;
  try {
    const auto* find =
        static_cast<psk_lookup*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), lookup_index()));
    const std::string_view named(reinterpret_cast<const char*>(identity), identity_len);
    auto token = find != nullptr && *find ? (*find)(named) : std::nullopt;
    if (!token) return 1;  // no PSK: with no certificate either, the handshake fails
    auto conn = std::make_unique<psk_conn>();
    conn->secret = derive_psk(*token);
    conn->token = std::move(*token);
    *session = session_for(ssl, conn->secret);
    if (*session == nullptr) return 0;
    set_conn(ssl, std::move(conn));
    return 1;
  } catch (const std::exception&) {
    SSL_SESSION_free(*session);
    *session = nullptr;
    return 0;
  }
}

// TLS 1.3 only, one cipher suite, ECDHE always, and nothing kept for later: no tickets, no
// session cache (a private session is never resumed).
context_ptr psk_context(ssl::context::method method) {
  auto ctx = std::make_shared<ssl::context>(method);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION);
  if (SSL_CTX_set_ciphersuites(native, only_suite) != 1) {
    ERR_clear_error();
    throw std::runtime_error("OpenSSL lacks TLS_AES_128_GCM_SHA256");
  }
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_clear_options(native, SSL_OP_ALLOW_NO_DHE_KEX);  // psk_dhe_ke: forward secrecy
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  return ctx;
}

}  // namespace

psk derive_psk(std::string_view token) {
  psk out;
  hkdf(token, key_label, out.key.data(), out.key.size());
  std::array<unsigned char, identity_bytes> id{};
  hkdf(token, identity_label, id.data(), id.size());
  for (const unsigned char byte : id)
    out.identity += fmt::format("{:02x}", byte);
  return out;
}

context_ptr psk_caller_context() {
  auto ctx = psk_context(ssl::context::tls_client);
  // No CA is loaded, so a listener that answers with a certificate instead of the PSK fails.
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  SSL_CTX_set_psk_use_session_callback(ctx->native_handle(), use_psk);
  return ctx;
}

void present_psk(ssl::stream<tcp::socket>& stream, std::string_view token) {
  auto conn = std::make_unique<psk_conn>();
  conn->secret = derive_psk(token);
  set_conn(stream.native_handle(), std::move(conn));
}

context_ptr psk_listener_context(psk_lookup find) {
  auto ctx = psk_context(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  auto owned = std::make_unique<psk_lookup>(std::move(find));
  if (SSL_CTX_set_ex_data(native, lookup_index(), owned.get()) != 1) {
    throw std::runtime_error("OpenSSL cannot keep the PSK lookup");
  }
  owned.release();  // freed with the SSL_CTX (free_lookup)
  SSL_CTX_set_psk_find_session_callback(native, find_psk);
  return ctx;
}

std::optional<std::string> proven_token(ssl::stream<tcp::socket>& stream) {
  SSL* ssl = stream.native_handle();
  const psk_conn* conn = conn_of(ssl);
  // A finished handshake that resumed our PSK session: the caller proved the key.
  if (conn == nullptr || conn->token.empty() || SSL_session_reused(ssl) != 1) return std::nullopt;
  return conn->token;
}

}  // namespace msgapp::tls
