// credentials.txt with hashed and plain secrets: what is accepted, what is refused and where.
#include <catch2/catch.hpp>

#include <msgapp/server/credentials.hpp>

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
