// The pure parts of private sessions: the token book (expiry, one use, the caps), the book of
// our own requests, the PSK derived from a token, and the wire lines.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <msgapp/client/p2p_requests.hpp>
#include <msgapp/client/p2p_tokens.hpp>
#include <msgapp/protocol/p2p_wire.hpp>
#include <msgapp/tls/private_psk.hpp>

namespace {

using namespace std::chrono_literals;
using msgapp::client::p2p::request_book;
using msgapp::client::p2p::token_book;
namespace p2p = msgapp::protocol::p2p;

const token_book::clock::time_point t0{};

}  // namespace

TEST_CASE("a token admits its user once") {
  token_book book(8, 8, 60s);
  book.expect("alice", "0123abcd", t0);
  CHECK_FALSE(book.redeem("carol", "0123abcd", t0));       // someone else's token
  CHECK_FALSE(book.redeem("alice", "0123abce", t0));       // a near miss
  CHECK_FALSE(book.redeem("alice", "0123abc", t0));        // a prefix
  CHECK(book.redeem("alice", "0123abcd", t0 + 1s));        // wrong guesses did not use it up
  CHECK_FALSE(book.redeem("alice", "0123abcd", t0 + 2s));  // replayed
  CHECK(book.size() == 0);
}

TEST_CASE("a token expires") {
  token_book book(8, 8, 60s);
  book.expect("alice", "t1", t0);
  book.expect("alice", "t2", t0 + 30s);
  CHECK_FALSE(book.redeem("alice", "t1", t0 + 60s));
  CHECK(book.redeem("alice", "t2", t0 + 89s));
}

TEST_CASE("a full token book drops its oldest entry") {
  token_book book(2, 2, 60s);
  book.expect("alice", "t1", t0);
  book.expect("bob", "t2", t0);
  book.expect("carol", "t3", t0);
  CHECK(book.size() == 2);
  CHECK_FALSE(book.redeem("alice", "t1", t0));
  CHECK(book.redeem("bob", "t2", t0));
  CHECK(book.redeem("carol", "t3", t0));
}

TEST_CASE("one peer's offers are capped, oldest first, without touching anyone else's") {
  token_book book(64, 2, 60s);
  book.expect("carol", "c1", t0);
  book.expect("alice", "a1", t0);
  book.expect("alice", "a2", t0 + 1s);
  book.expect("alice", "a3", t0 + 2s);  // alice's third: her oldest goes
  CHECK(book.size() == 3);
  CHECK_FALSE(book.redeem("alice", "a1", t0 + 3s));
  CHECK(book.redeem("alice", "a3", t0 + 3s));
  CHECK(book.redeem("alice", "a2", t0 + 3s));
  CHECK(book.redeem("carol", "c1", t0 + 3s));
}

TEST_CASE("the token book finds a token without using it up") {
  token_book book(8, 8, 60s);
  book.expect("alice", "t1", t0);
  book.expect("bob", "t2", t0);
  const auto is_t2 = [](std::string_view t) { return t == "t2"; };
  CHECK(book.find(is_t2, t0) == std::optional<std::string>("t2"));
  CHECK(book.find(is_t2, t0) == std::optional<std::string>("t2"));
  CHECK_FALSE(book.find(is_t2, t0 + 60s));  // expired
  CHECK_FALSE(book.find([](std::string_view) { return false; }, t0));
  CHECK(book.redeem("bob", "t2", t0));
  CHECK_FALSE(book.find(is_t2, t0));
}

TEST_CASE("a private-ready is followed once per request, and only while the offer lives") {
  request_book asked(8, 60s);
  CHECK_FALSE(asked.take("bob", t0));  // never asked
  asked.ask("bob", t0);
  asked.ask("bob", t0 + 1s);
  CHECK_FALSE(asked.take("carol", t0 + 2s));
  CHECK(asked.take("bob", t0 + 2s));
  CHECK(asked.take("bob", t0 + 2s));
  CHECK_FALSE(asked.take("bob", t0 + 2s));  // both used up

  asked.ask("bob", t0);
  CHECK_FALSE(asked.take("bob", t0 + 60s));  // the server's offer is void by now

  asked.ask("bob", t0);
  asked.ask("carol", t0);
  asked.withdraw("bob");  // refused by the server
  CHECK_FALSE(asked.take("bob", t0));
  CHECK(asked.take("carol", t0));
}

TEST_CASE("a full request book forgets its oldest request") {
  request_book asked(2, 60s);
  asked.ask("alice", t0);
  asked.ask("bob", t0);
  asked.ask("carol", t0);
  CHECK(asked.size() == 2);
  CHECK_FALSE(asked.take("alice", t0));
  CHECK(asked.take("bob", t0));
  CHECK(asked.take("carol", t0));
}

TEST_CASE("a token gives both ends the same key, and an identity that is not the key") {
  const std::string token(32, 'a');
  const auto one = msgapp::tls::derive_psk(token);
  const auto again = msgapp::tls::derive_psk(token);
  const auto other = msgapp::tls::derive_psk(std::string(31, 'a') + "b");
  CHECK(one.key == again.key);
  CHECK(one.identity == again.identity);
  CHECK(one.identity.size() == 32);
  CHECK(one.key != other.key);
  CHECK(one.identity != other.identity);
  // The identity travels in the clear: it is not the key's first half written in hex.
  std::string key_hex;
  for (std::size_t i = 0; i < 16; ++i)
    key_hex += fmt::format("{:02x}", one.key[i]);
  CHECK(one.identity != key_hex);
}

TEST_CASE("private-session lines are formatted as the protocol says") {
  CHECK(p2p::format_hello("alice", "00ff") == "private-hello alice 00ff\n");
  CHECK(p2p::format_welcome("bob") == "ok bob\n");
  CHECK(p2p::format_message("hi  there ") == "msg hi  there \n");
  CHECK(p2p::refusal == "error refused\n");
  CHECK(p2p::bye == "bye\n");
}

TEST_CASE("a hello names a user and a token, and nothing else") {
  const auto h = p2p::parse_hello("private-hello alice 00ff");
  REQUIRE(h.has_value());
  CHECK(h->user == "alice");
  CHECK(h->token == "00ff");
  CHECK_FALSE(p2p::parse_hello("private-hello alice"));
  CHECK_FALSE(p2p::parse_hello("private-hello alice 00ff extra"));
  CHECK_FALSE(p2p::parse_hello("private-hello  alice 00ff"));
  CHECK_FALSE(p2p::parse_hello("hello alice 00ff"));
  CHECK_FALSE(p2p::parse_hello(""));
}

TEST_CASE("the answer to a hello is `ok <name>` or a refusal") {
  CHECK(p2p::parse_welcome("ok bob") == std::optional<std::string>("bob"));
  CHECK_FALSE(p2p::parse_welcome("error refused"));
  CHECK_FALSE(p2p::parse_welcome("ok"));
  CHECK_FALSE(p2p::parse_welcome("ok bob and more"));
}

TEST_CASE("peer lines: messages keep their text exactly, bye ends, the rest is unknown") {
  const auto m = p2p::parse_peer_line("msg  two  spaces ");
  CHECK(m.what == p2p::peer_line::kind::message);
  CHECK(m.text == " two  spaces ");
  CHECK(p2p::parse_peer_line("bye").what == p2p::peer_line::kind::bye);
  CHECK(p2p::parse_peer_line("msg").what == p2p::peer_line::kind::unknown);
  CHECK(p2p::parse_peer_line("shout hi").what == p2p::peer_line::kind::unknown);
}
