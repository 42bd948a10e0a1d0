// Scenarios over real sockets: bad input, pipelining, half-close, slow readers, dropped
// connections, a full server and shutdown. The server must answer and carry on.
#include "../support/scenario.hpp"

using namespace msgapp::test;

namespace {
// The next reply (ok or error), skipping events.
awaitable<server_line> next_reply(client& c) {
  for (;;) {
    auto line = co_await c.read_line();
    REQUIRE(line);
    if (line->kind == line_kind::ok || line->kind == line_kind::error) co_return *line;
  }
}

// Sends raw bytes and returns the next reply.
awaitable<server_line> raw_request(client& c, std::string bytes) {
  co_await send_raw(c, std::move(bytes));
  co_return co_await next_reply(c);
}
}  // namespace

TEST_CASE("bad input gets a clear error and the session goes on") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    struct bad_line {
      std::string bytes;
      std::string code;
    };
    auto c = co_await s.connect();
    const std::vector<bad_line> before_login = {
        {"\n", "empty-line"},
        {"   \n", "empty-line"},
        {"whoelse\n", "not-logged-in"},
        {std::string("login al\0ce x\n", 14), "control-char"},
    };
    for (const auto& [bytes, code] : before_login) {
      const auto reply = co_await raw_request(c, bytes);
      CHECK(reply.code == code);
    }
    auto in = co_await c.login("alice", "alice-pw");
    REQUIRE(in);
    REQUIRE(in->kind == line_kind::ok);
    auto bob = co_await s.login("bob");

    const std::vector<bad_line> after_login = {
        {"message bob \xff\xfe\n", "bad-encoding"},
        {"message bob \xc0\xaf\n", "bad-encoding"},  // an overlong '/'
        {"message bob a\x1b[31mred\n", "control-char"},
        {"message bob tab\there\n", "control-char"},
        {"frobnicate\n", "bad-command"},
        {"message bob\n", "usage"},
        {"message\n", "usage"},
        {"broadcast\n", "usage"},
        {"logout now\n", "usage"},
        {"login alice alice-pw\n", "already-logged-in"},
        {"message bob " + std::string(2049, 'x') + "\n", "text-too-long"},
        {"startprivate bob\n", "unavailable"},  // bob's client sent no privateport
        {"private bob hi\n", "bad-command"},    // msgclient's own commands are unknown here
        {"stopprivate bob\n", "bad-command"},
    };
    for (const auto& [bytes, code] : after_login) {
      const auto reply = co_await raw_request(c, bytes);
      INFO(bytes.substr(0, 40));
      CHECK(reply.code == code);
    }
    const auto hint = co_await raw_request(c, "frobnicate now\n");
    CHECK(hint.text.find("commands:") != std::string::npos);
    const auto crlf = co_await raw_request(c, "whoelse\r\n");  // CRLF line ends are fine
    CHECK(crlf.text == "users bob");

    // After all that, the session still works end to end.
    auto ok = co_await c.request("message bob still here");
    REQUIRE(ok);
    CHECK(ok->text == "delivered to bob");
    const auto got = co_await next_event_of(bob, "msg");
    CHECK(got.text == "still here");
  });
}

TEST_CASE("an over-long line is refused and skipped, and the next line works") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto c = co_await s.login("alice");
    const auto too_long = co_await raw_request(c, std::string(5000, 'a') + "\n");
    CHECK(too_long.code == "line-too-long");
    // The same, arriving in pieces, with the next command right behind it.
    co_await send_raw(c, std::string(3000, 'b'));
    co_await send_raw(c, std::string(3000, 'b'));
    auto r = co_await raw_request(c, std::string(3000, 'b') + "\nwhoelse\n");
    CHECK(r.code == "line-too-long");
    auto next = co_await c.read_line();
    REQUIRE(next);
    CHECK(next->text == "users");
    // Exactly at the limit (4095 bytes + '\n') is still a line.
    auto at_limit = co_await raw_request(c, "broadcast " + std::string(4085, 'c') + "\n");
    CHECK(at_limit.code == "text-too-long");  // a line, refused for its text, not its length
  });
}

TEST_CASE("pipelined commands get one reply each, in order, even with a tiny hub inbox") {
  auto cfg = test_config();
  cfg.hub_inbox = 2;  // sessions must wait for the hub instead of dropping anything
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto alice = co_await s.login("alice");
        auto bob = co_await s.login("bob");
        std::string burst;
        for (int i = 0; i < 200; ++i)
          burst += "message bob n" + std::to_string(i) + "\n";
        burst += "whoelse\n";
        co_await send_raw(alice, burst);
        for (int i = 0; i < 200; ++i) {
          const auto r = co_await next_reply(alice);
          REQUIRE(r.text == "delivered to bob");
        }
        const auto last = co_await next_reply(alice);
        CHECK(last.text == "users bob");
        for (int i = 0; i < 200; ++i) {
          auto m = co_await next_event_of(bob, "msg");
          REQUIRE(m.text == "n" + std::to_string(i));
        }
      },
      cfg);
}

TEST_CASE("a client that half-closes still gets every reply, then the connection ends") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto bob = co_await s.login("bob");
    auto c = co_await s.connect();
    co_await send_raw(c, "login alice alice-pw\nwhoelse\nmessage bob bye");
    const auto half_closed = co_await c.shutdown_send();
    REQUIRE_FALSE(half_closed);
    auto welcome = co_await c.read_line();
    REQUIRE(welcome);
    CHECK(welcome->text == "welcome alice");
    auto who = co_await c.read_line();
    REQUIRE(who);
    CHECK(who->text == "users bob");
    auto sent = co_await c.read_line();  // the last line had no '\n' and still counts
    REQUIRE(sent);
    CHECK(sent->text == "delivered to bob");
    co_await expect_closed(c);
    const auto msg_at_bob = co_await next_event_of(bob, "msg");
    CHECK(msg_at_bob.text == "bye");
    auto gone = co_await next_event_of(bob, "presence");
    CHECK(gone.text == "logged out");
  });
}

TEST_CASE("a client that stops reading is cut off; the others carry on") {
  auto cfg = test_config();
  cfg.outbox_bytes = 64 * 1024;
  cfg.page_bytes = 16 * 1024;
  cfg.write_timeout = 2s;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto alice = co_await s.login("alice");
        auto bob = co_await s.login("bob");
        auto dave = co_await s.login_non_reader("dave");  // and then never reads
        (void)co_await next_event_of(bob, "presence");    // dave logged in

        const std::string text(1000, 'z');
        bool dave_gone = false;
        int sent = 0;
        while (!dave_gone && sent < 20'000) {
          auto r = co_await alice.request("broadcast " + std::to_string(sent) + " " + text);
          REQUIRE(r);
          REQUIRE(r->kind == line_kind::ok);
          // bob reads everything, in order, while dave's output piles up.
          auto e = co_await bob.next_event();
          REQUIRE(e);
          if (e->word == "presence") {
            CHECK(e->from == "dave");
            CHECK(e->text == "logged out");
            dave_gone = true;
            e = co_await bob.next_event();
            REQUIRE(e);
          }
          REQUIRE(e->word == "broadcast");
          REQUIRE(e->text.substr(0, e->text.find(' ')) == std::to_string(sent));
          ++sent;
        }
        CHECK(dave_gone);
        // Life goes on for the others.
        co_await expect_delivered(alice, bob, "bob", "still flowing");
        auto who = co_await alice.request("whoelse");
        REQUIRE(who);
        CHECK(who->text == "users bob");
      },
      cfg);
}

TEST_CASE("the server refuses connections beyond its limit, clearly") {
  auto cfg = test_config();
  cfg.max_connections = 2;
  run_scenario(
      [](scenario_context& s) -> awaitable<void> {
        auto a = co_await s.login("alice");
        auto b = co_await s.login("bob");
        auto extra = co_await s.connect();
        auto refusal = co_await extra.read_line();
        REQUIRE(refusal);
        CHECK(refusal->code == "server-full");
        co_await expect_closed(extra);
        auto bye = co_await b.request("logout");
        REQUIRE(bye);
        co_await expect_closed(b);
        auto c = co_await s.login("carol");  // a slot is free again
      },
      cfg);
}

TEST_CASE("shutdown tells every client and closes every connection") {
  run_scenario([](scenario_context& s) -> awaitable<void> {
    auto alice = co_await s.login("alice");
    auto bob = co_await s.login("bob");
    auto lurker = co_await s.connect();
    s.srv.stop();
    for (auto* c : {&alice, &bob, &lurker}) {
      auto notice = co_await next_event_of(*c, "shutdown");
      CHECK(notice.text == "the server is shutting down");
      co_await expect_closed(*c);
    }
    auto refused = co_await client::connect("127.0.0.1", s.port);
    CHECK_FALSE(refused.has_value());
  });
}
