// TLS 1.3 for private sessions: an external PSK derived from the server's one-time token, no
// certificates, and an ECDHE share on top (psk_dhe_ke), so a recorded session stays sealed.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "msgapp/tls/context.hpp"

namespace msgapp::tls {

// What both ends derive from a token with HKDF-SHA256: the key stays secret; the identity
// names the key in the clear (in the ClientHello) and says nothing about it.
struct psk {
  std::array<unsigned char, 32> key{};
  std::string identity;  // 32 hex digits
};
psk derive_psk(std::string_view token);

// The caller's context: TLS 1.3 with TLS_AES_128_GCM_SHA256 only, and a certificate is never
// accepted, so only a peer that holds the same key completes the handshake.
context_ptr psk_caller_context();
// Before a caller's handshake: this connection presents the PSK of `token`.
void present_psk(ssl::stream<tcp::socket>& stream, std::string_view token);

// The listener's context, with no certificate at all. `find` maps the identity a caller
// presents to the token it was derived from (among the offers accepted), or to nothing, in
// which case the handshake fails. It is called from inside the handshake.
using psk_lookup = std::function<std::optional<std::string>(std::string_view identity)>;
context_ptr psk_listener_context(psk_lookup find);
// After a listener's handshake: the token whose key the caller has proved it holds.
std::optional<std::string> proven_token(ssl::stream<tcp::socket>& stream);

}  // namespace msgapp::tls
