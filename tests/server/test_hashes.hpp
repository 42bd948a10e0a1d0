// Argon2id hashes made at test time: fast ones (libsodium's minimum limits) for most tests,
// slow ones where a test needs checks that are still running, and one of interactive strength.
#pragma once

#include <sodium.h>

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

namespace msgapp::test {

inline std::string make_hash(std::string_view password, unsigned long long ops, std::size_t mem) {
  REQUIRE(sodium_init() >= 0);
  char out[crypto_pwhash_STRBYTES];
  REQUIRE(crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                                crypto_pwhash_ALG_ARGON2ID13) == 0);
  return out;
}

// Microseconds to check: for tests about what the hub does with the verdict.
inline std::string fast_hash(std::string_view password) {
  return make_hash(password, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
}

// What `msgserver hash-password` makes: tenths of a second to check.
inline std::string interactive_hash(std::string_view password) {
  return make_hash(password, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                   crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

// About a second to check here (32 MiB, 8 passes): long enough that the checks a test starts
// together are all still waiting or running when the last of them arrives.
inline std::string slow_hash(std::string_view password) {
  return make_hash(password, 8, std::size_t{32} << 20);
}

}  // namespace msgapp::test
