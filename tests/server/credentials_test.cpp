// credentials.txt with hashed and plain secrets: what is accepted, what is refused and where.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <msgapp/server/credentials.hpp>

#include "../support/temp_dir.hpp"
#include "test_hashes.hpp"

using namespace msgapp::test;
namespace server = msgapp::server;
using server::hash_check;

namespace {

tl::expected<server::credentials, std::string> parse(const std::string& text) {
  return server::parse_credentials(text, "creds.txt", msgapp::protocol::limits{});
}

// The same hash asking for `kib` KiB instead (the rest of it stays well-formed).
std::string with_memory(std::string hash, std::string_view kib) {
  const auto at = hash.find("$m=") + 3;
  const auto end = hash.find(',', at);
  return hash.replace(at, end - at, kib);
}

}  // namespace

TEST_CASE("credentials take hash lines beside plain ones") {
  const auto hash = fast_hash("hana-pw");
  const auto accounts = parse("# staff\nalice alice-pw\nhana   " + hash + "  \n\nbob bob-pw\n");
  REQUIRE(accounts.has_value());
  REQUIRE(accounts->size() == 3);
  CHECK(accounts->at("hana").hashed());
  CHECK(accounts->at("hana").hash() == hash);
  CHECK_FALSE(accounts->at("alice").hashed());
  CHECK(accounts->at("alice").hash().empty());  // a plain password is kept only as a digest
  CHECK(server::plain_passwords(*accounts) == 2);
}

TEST_CASE("a plain secret matches only its own password; a hashed one only the pool's verdict") {
  const server::secret plain("alice-pw");
  CHECK(plain.matches("alice-pw", hash_check::not_done));
  CHECK_FALSE(plain.matches("alice-pX", hash_check::not_done));
  CHECK_FALSE(plain.matches("alice-p", hash_check::not_done));
  CHECK_FALSE(plain.matches("alice-pw2", hash_check::not_done));

  const server::secret hashed(fast_hash("hana-pw"));
  CHECK(hashed.matches("anything", hash_check::matches));
  CHECK_FALSE(hashed.matches("hana-pw", hash_check::differs));
  CHECK_FALSE(hashed.matches("hana-pw", hash_check::not_done));
  CHECK_FALSE(hashed.matches("hana-pw", hash_check::refused));

  CHECK_FALSE(server::secret().matches("", hash_check::not_done));
}

TEST_CASE("a bad hash line is refused with its line number and no secret") {
  const auto good = fast_hash("pw");
  const auto argon2i = [] {
    char out[crypto_pwhash_STRBYTES];
    REQUIRE(crypto_pwhash_str_alg(out, "pw", 2, 3, crypto_pwhash_MEMLIMIT_MIN,
                                  crypto_pwhash_ALG_ARGON2I13) == 0);
    return std::string(out);
  }();
  struct bad {
    std::string secret;
    std::string why;
  };
  const auto sample = GENERATE_COPY(values<bad>({
      {"$argon2id$garbage", "not a valid Argon2id hash"},
      {good.substr(0, good.size() - 10), "not a valid Argon2id hash"},
      {argon2i, "only Argon2id hashes"},
      {"$argon2x$v=19$abc", "only Argon2id hashes"},
      {with_memory(good, "131072"), "more than 64 MiB"},
  }));
  INFO(sample.secret);
  const auto r = parse("alice alice-pw\n# hana's\nhana " + sample.secret + "\n");
  REQUIRE_FALSE(r.has_value());
  CHECK_THAT(r.error(), Catch::StartsWith("creds.txt:3: bad hash for 'hana': "));
  CHECK_THAT(r.error(), Catch::Contains(sample.why));
  CHECK_THAT(r.error(), !Catch::Contains(sample.secret));
}

TEST_CASE("a hash at the memory bound is accepted") {
  const auto at_bound = with_memory(fast_hash("pw"), "65536");
  CHECK(parse("hana " + at_bound + "\n").has_value());
}

TEST_CASE("a password that is not valid UTF-8 is refused, naming the line") {
  const auto bad = parse("alice alice-pw\nbob caf\xe9\n");  // Latin-1, not UTF-8
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error() == "creds.txt:2: the password for 'bob' is not valid UTF-8");
  CHECK(parse("bob caf\xc3\xa9\n").has_value());  // the same word in UTF-8
}

TEST_CASE("a credentials line longer than the limit is refused, naming the line") {
  const std::string long_line = "alice " + std::string(server::max_credentials_line, 'p');
  const auto bad = parse("bob bob-pw\n" + long_line + "\n");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error() ==
        fmt::format("creds.txt:2: the line is longer than {} bytes", server::max_credentials_line));

  temp_dir dir;
  const auto file = dir.write("creds.txt", "bob bob-pw\n\n" + long_line);
  const auto loaded = server::load_credentials(file, msgapp::protocol::limits{});
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error() ==
        fmt::format("{}:3: the line is longer than {} bytes", file, server::max_credentials_line));
}

TEST_CASE("a credentials file bigger than the size limit is refused") {
  temp_dir dir;
  std::string text;
  for (int i = 0; i < 100; ++i)
    text += fmt::format("user{} pw{}\n", i, i);
  const auto file = dir.write("creds.txt", text);
  const msgapp::protocol::limits lim;
  CHECK(server::load_credentials(file, lim, text.size()).has_value());  // exactly at the limit
  const auto big = server::load_credentials(file, lim, text.size() - 1);
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error() == fmt::format("{}: the credentials file is bigger than {} bytes, the limit "
                                   "(--credentials-mb)",
                                   file, text.size() - 1));
}

TEST_CASE("/dev/zero fails at once, as a line too long") {
  const auto zero = server::load_credentials("/dev/zero", msgapp::protocol::limits{});
  REQUIRE_FALSE(zero.has_value());
  CHECK(zero.error() ==
        fmt::format("/dev/zero:1: the line is longer than {} bytes", server::max_credentials_line));
}

TEST_CASE("100,000 accounts load within the default limits") {
  temp_dir dir;
  const auto hash = fast_hash("pw");
  std::string text;
  for (int i = 0; i < 100'000; ++i) {
    // Names of the longest length; every tenth account hashed, the longest kind of line.
    auto n = std::to_string(i);
    text += std::string(32 - n.size(), 'u') + n + " " + (i % 10 == 0 ? hash : "pw-" + n) + "\n";
  }
  const auto file = dir.write("creds.txt", text);
  const auto loaded = server::load_credentials(file, msgapp::protocol::limits{});
  REQUIRE(loaded.has_value());
  CHECK(loaded->size() == 100'000);
  CHECK(loaded->at(std::string(31, 'u') + "0").hashed());
}
