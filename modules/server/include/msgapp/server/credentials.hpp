// Loading the accounts file: one `username secret` per line (a plain password or an Argon2id
// hash), blank lines and # comments.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "msgapp/protocol/limits.hpp"

namespace msgapp::server {

// What the password pool found for a hashed secret; the hub decides the login with it.
enum class hash_check {
  not_done,  // no hash was checked (a plain secret, or not a login)
  matches,
  differs,
  refused,  // the pool's queue was full: nothing was checked
};

// Argon2id's memory per check (libsodium's interactive limit). A hash that asks for more is
// refused when the file is read, so the pool's memory is at most threads x this.
inline constexpr std::size_t max_hash_memory = std::size_t{64} << 20;

// One account's secret. A text that starts with `$argon2` is a hash (libsodium's
// crypto_pwhash_str output); anything else is a plain password, kept only as its BLAKE2b
// digest so that comparing it takes the same time however many bytes match.
class secret {
 public:
  secret() = default;  // matches no password
  // Implicit, so that a credentials map reads as text: {{"alice", "pw"}, {"bob", "$argon2id$..."}}.
  secret(std::string_view text);
  secret(const char* text) : secret(std::string_view(text)) {}
  secret(const std::string& text) : secret(std::string_view(text)) {}

  bool hashed() const { return hashed_; }
  // Hashes are checked off the hub (password_check.hpp); this only reads the pool's verdict.
  bool matches(std::string_view password, hash_check verdict) const;
  // The hash text, for the pool (empty for a plain password).
  const std::string& hash() const { return hash_; }

 private:
  bool set_ = false;
  bool hashed_ = false;
  std::string hash_;
  std::array<unsigned char, 32> digest_{};
};

using credentials = std::map<std::string, secret, std::less<>>;  // name -> secret

// Bounds on the credentials file, named once. A line is a name, a space and a secret (an
// Argon2id hash is about 100 bytes), so 100,000 accounts with hashes take about 14 MB.
inline constexpr std::size_t max_credentials_line = 1024;  // bytes of one line, without '\n'
inline constexpr std::size_t default_credentials_bytes = std::size_t{64} << 20;  // the whole file

// Whether `text` is a hash this server accepts: Argon2id from libsodium, asking for at most
// max_hash_memory. The reason when it is not.
tl::expected<void, std::string> check_hash(std::string_view text);

// Parses the text of a credentials file; errors name the file and the line.
tl::expected<credentials, std::string> parse_credentials(std::string_view text,
                                                         std::string_view file_name,
                                                         const protocol::limits& lim);

// Reads and parses the file, refusing one bigger than `max_bytes` or with a line longer than
// max_credentials_line as soon as it reads that far (so /dev/zero fails at once).
tl::expected<credentials, std::string> load_credentials(
    const std::string& path, const protocol::limits& lim,
    std::size_t max_bytes = default_credentials_bytes);

// How many accounts have a plain password (the server warns at start).
std::size_t plain_passwords(const credentials& accounts);

}  // namespace msgapp::server
