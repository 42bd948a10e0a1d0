// Reads and checks credentials.txt. Passwords are never logged or echoed in errors.
#include "msgapp/server/credentials.hpp"

#include <charconv>
#include <fstream>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <sodium.h>

#include "msgapp/protocol/text_rules.hpp"

namespace msgapp::server {
namespace {

constexpr std::string_view hash_prefix = "$argon2";
constexpr std::string_view argon2id_prefix = "$argon2id$";

void need_sodium() {
  static const int ready = sodium_init();  // thread-safe, idempotent; picks the fast code
  if (ready < 0) throw std::runtime_error("libsodium could not be initialised");
}

std::array<unsigned char, 32> digest(std::string_view text) {
  need_sodium();
  std::array<unsigned char, 32> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  return out;
}

// The `m=` parameter (KiB) of `$argon2id$v=19$m=65536,t=2,p=1$salt$hash`.
std::optional<std::size_t> memory_kib(std::string_view hash) {
  const auto at = hash.find("$m=");
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = hash.data() + at + 3;
  std::size_t kib = 0;
  const auto [end, ec] = std::from_chars(first, hash.data() + hash.size(), kib);
  if (ec != std::errc{} || end == first) return std::nullopt;
  return kib;
}

std::string line_too_long(std::string_view file_name, std::size_t line_no) {
  return fmt::format("{}:{}: the line is longer than {} bytes", file_name, line_no,
                     max_credentials_line);
}

}  // namespace

secret::secret(std::string_view text) : set_(true), hashed_(text.starts_with(hash_prefix)) {
  if (hashed_) {
    hash_ = std::string(text);
  } else {
    digest_ = digest(text);
  }
}

bool secret::matches(std::string_view password, hash_check verdict) const {
  if (hashed_) return verdict == hash_check::matches;
  if (!set_) return false;
  const auto given = digest(password);
  return sodium_memcmp(given.data(), digest_.data(), digest_.size()) == 0;
}

tl::expected<void, std::string> check_hash(std::string_view text) {
  need_sodium();
  if (!text.starts_with(argon2id_prefix)) {
    return tl::unexpected(std::string("only Argon2id hashes ($argon2id$...) are accepted"));
  }
  const std::string z(text);  // libsodium wants a terminated string
  if (crypto_pwhash_argon2id_str_needs_rehash(z.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                              crypto_pwhash_MEMLIMIT_INTERACTIVE) < 0) {
    return tl::unexpected(
        std::string("not a valid Argon2id hash (make one with `msgserver hash-password`)"));
  }
  const auto kib = memory_kib(text);
  if (!kib || *kib > max_hash_memory / 1024) {
    return tl::unexpected(
        fmt::format("the hash asks for more than {} MiB per check; make one "
                    "with `msgserver hash-password`",
                    max_hash_memory >> 20));
  }
  return {};
}

tl::expected<credentials, std::string> parse_credentials(std::string_view text,
                                                         std::string_view file_name,
                                                         const protocol::limits& lim) {
  credentials accounts;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.size() > max_credentials_line)
      return tl::unexpected(line_too_long(file_name, line_no));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    line.remove_prefix(first);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);

    const auto gap = line.find_first_of(" \t");
    const auto fail = [&](std::string_view why) {
      return tl::unexpected(fmt::format("{}:{}: {}", file_name, line_no, why));
    };
    if (gap == std::string_view::npos)
      return fail("expected `username password` or `username <hash>`");
    const auto name = line.substr(0, gap);
    auto password = line.substr(gap);
    password.remove_prefix(password.find_first_not_of(" \t"));
    if (!protocol::is_valid_name(name, lim)) {
      return fail(
          fmt::format("bad user name '{}' (1 to {} of A-Z a-z 0-9 _ . -)", name, lim.max_name));
    }
    if (password.starts_with(hash_prefix)) {
      if (auto ok = check_hash(password); !ok) {
        return fail(fmt::format("bad hash for '{}': {}", name, ok.error()));
      }
    } else if (!protocol::is_valid_utf8(password)) {
      // A client can only send UTF-8, so such a password could never log in.
      return fail(fmt::format("the password for '{}' is not valid UTF-8", name));
    } else if (!protocol::is_valid_password(password, lim)) {
      return fail(
          fmt::format("bad password for '{}' (1 to {} bytes, no spaces)", name, lim.max_password));
    }
    if (!accounts.emplace(std::string(name), secret(password)).second) {
      return fail(fmt::format("user '{}' is listed twice", name));
    }
  }
  if (accounts.empty()) return tl::unexpected(fmt::format("{}: no users", file_name));
  return accounts;
}

tl::expected<credentials, std::string> load_credentials(const std::string& path,
                                                        const protocol::limits& lim,
                                                        std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected(fmt::format("{}: cannot open the credentials file", path));
  // Read a chunk at a time and check the bounds as we go: the file may be a device or a pipe
  // that never ends.
  std::string text;
  std::array<char, 64 * 1024> chunk;
  std::size_t line_no = 1;
  std::size_t line_bytes = 0;
  for (;;) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const std::string_view got(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (got.empty()) break;
    if (text.size() + got.size() > max_bytes) {
      return tl::unexpected(fmt::format(
          "{}: the credentials file is bigger than {} bytes, the limit (--credentials-mb)", path,
          max_bytes));
    }
    for (const char ch : got) {
      if (ch == '\n') {
        ++line_no;
        line_bytes = 0;
      } else if (++line_bytes > max_credentials_line) {
        return tl::unexpected(line_too_long(path, line_no));
      }
    }
    text.append(got);
  }
  if (in.bad()) return tl::unexpected(fmt::format("{}: cannot read the credentials file", path));
  return parse_credentials(text, path, lim);
}

std::size_t plain_passwords(const credentials& accounts) {
  std::size_t n = 0;
  for (const auto& [name, s] : accounts)
    n += s.hashed() ? 0 : 1;
  return n;
}

}  // namespace msgapp::server
