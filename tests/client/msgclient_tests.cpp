// The real msgclient, typed into through a pipe, against the real msgserver: login, every
// command, offline delivery, private sessions between two processes, and every way out.
// Tests wait for printed lines (with deadlines), never for a fixed time.
#include <csignal>
#include <regex>

#include "fake_server.hpp"
#include "msgclient_fixture.hpp"

using namespace msgapp::test;

TEST_CASE("msgclient: bad arguments print a usage line and exit with status 2") {
  for (const auto& args : std::vector<std::vector<std::string>>{{},
                                                                {"localhost"},
                                                                {"localhost", "port"},
                                                                {"localhost", "4000", "--user"},
                                                                {"localhost", "4000", "--nope"}}) {
    child_process c(client_path, args);
    CHECK(exit_status(c, true) == 2);
    CHECK(c.err().rfind("usage: msgclient <host> <port> [--user NAME]", 0) == 0);
  }
  child_process help(client_path, {"--help"});
  CHECK(exit_status(help) == 0);
  for (const char* word : {"message", "broadcast", "whoelsesince", "block", "unblock", "logout",
                           "startprivate", "private", "stopprivate", "help", "--user"}) {
    CHECK(help.out().find(word) != std::string::npos);
  }
}

TEST_CASE("msgclient: no server to connect to is an error") {
  std::string port;
  {
    server_process gone;
    port = gone.port();
  }
  child_process c(client_path, {"127.0.0.1", port}, {}, as_seen);
  CHECK(wait_for(c, "error: ").rfind("error: cannot connect", 0) == 0);
  CHECK(exit_status(c) == 1);
}

TEST_CASE("msgclient: an unknown name or a wrong password is asked for again") {
  server_process srv;
  auto c = start_client(srv);
  c->type("zed");
  c->type("whatever");
  CHECK(wait_for(*c, "error:").find("zed") != std::string::npos);
  c->type("alice");  // asked for the name again
  c->type("wrong");
  CHECK(wait_for(*c, "error:").find("wrong password") != std::string::npos);
  c->type(password_of("alice"));  // only the password is asked again
  CHECK(wait_for(*c, "welcome").find("alice") != std::string::npos);
  c->close_stdin();  // end of input logs out
  wait_for(*c, "goodbye");
  CHECK(exit_status(*c) == 0);
  check_error_lines(*c);
}

TEST_CASE("msgclient: three wrong passwords block the name, and it stays blocked") {
  server_process srv;
  auto first = start_client(srv, {"--user", "alice"});  // only the password is asked
  // Each try after reading the refusal: a try typed ahead would end the client unsent.
  first->type("wrong1");
  wait_for(*first, "wrong password");
  first->type("wrong2");
  wait_for(*first, "wrong password");
  first->type("wrong3");
  wait_for(*first, "blocked");
  CHECK(exit_status(*first) == 1);

  auto second = start_client(srv, {"--user", "alice"});
  second->type(password_of("alice"));
  wait_for(*second, "blocked");
  CHECK(exit_status(*second) == 1);
  check_error_lines(*first);
  check_error_lines(*second);
}

TEST_CASE("msgclient: a user already online cannot log in twice") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto again = start_client(srv, {"--user", "alice"});
  again->type(password_of("alice"));
  wait_for(*again, "already");
  CHECK(exit_status(*again) == 1);
  alice->type("whoelse");
  wait_for(*alice, "nobody else is online");
}

TEST_CASE("msgclient: every command, with presence notices") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto bob = logged_in(srv, "bob");
  CHECK(std::regex_search(wait_for(*alice, "bob logged in"),
                          std::regex("^\\d\\d:\\d\\d:\\d\\d bob logged in$")));

  alice->type("whoelse");
  wait_for(*alice, "online now: bob");
  alice->type("message bob hello  there ");
  wait_for(*alice, "delivered to bob");
  CHECK(wait_for(*bob, "alice:").ends_with("alice: hello  there "));

  bob->type("broadcast hi all");
  wait_for(*bob, "broadcast to 1 user");
  wait_for(*alice, "bob (broadcast): hi all");

  alice->type("whoelsesince 60");
  wait_for(*alice, "online in that time: bob");

  bob->type("block alice");
  wait_for(*bob, "blocked alice");
  alice->type("message bob are you there?");
  CHECK(wait_for(*alice, "error:").find("blocked") != std::string::npos);
  bob->type("unblock alice");
  wait_for(*bob, "unblocked alice");
  alice->type("message bob back");
  wait_for(*alice, "delivered to bob");
  wait_for(*bob, "alice: back");

  alice->type("help");
  wait_for(*alice, "stopprivate [<user>]");
  alice->type("dance");
  wait_for(*alice, "error: unknown command 'dance'");
  alice->type("message bob");
  wait_for(*alice, "error: usage: message <user> <text>");

  bob->type("logout");
  wait_for(*bob, "goodbye");
  CHECK(exit_status(*bob) == 0);
  wait_for(*alice, "bob logged out");
  alice->close_stdin();
  CHECK(exit_status(*alice) == 0);
  check_error_lines(*alice);
  check_error_lines(*bob);
}

TEST_CASE("msgclient: offline messages arrive at login, oldest first, with their time") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  alice->type("message carol first news");
  wait_for(*alice, "queued for carol");
  alice->type("message carol second news");
  wait_for(*alice, "queued for carol");

  auto carol = start_client(srv, {"--user", "carol"});
  carol->type(password_of("carol"));
  wait_for(*carol, "welcome");
  const std::regex offline(
      "^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d alice \\(offline message\\): (.*)$");
  std::smatch m;
  const auto first = carol->next_line();
  REQUIRE(first.has_value());
  REQUIRE(std::regex_match(*first, m, offline));
  CHECK(m[1] == "first news");
  const auto second = carol->next_line();
  REQUIRE(second.has_value());
  REQUIRE(std::regex_match(*second, m, offline));
  CHECK(m[1] == "second news");
}

TEST_CASE("msgclient: a private session between two clients") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto bob = logged_in(srv, "bob");
  open_private(*alice, "alice", *bob, "bob");

  alice->type("private bob psst, bob");
  wait_for(*alice, "sent to bob (private)");
  CHECK(wait_for(*bob, "(private)").ends_with("alice (private): psst, bob"));
  bob->type("private alice hi  alice");
  CHECK(wait_for(*alice, "(private)").ends_with("bob (private): hi  alice"));

  alice->type("startprivate bob");
  wait_for(*alice, "error: you already have a private session with bob");
  bob->type("private carol hello");
  wait_for(*bob, "error: you have no private session with carol");

  bob->type("stopprivate");
  wait_for(*bob, "private session with alice ended");
  wait_for(*alice, "private session with bob ended by bob");
  alice->type("private bob anyone?");
  wait_for(*alice, "error: you have no private session with bob");

  alice->close_stdin();
  bob->close_stdin();
  CHECK(exit_status(*alice) == 0);
  CHECK(exit_status(*bob) == 0);
  check_error_lines(*alice);
  check_error_lines(*bob);
}

TEST_CASE("msgclient: logging out ends private sessions, and the peer is told") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto bob = logged_in(srv, "bob");
  open_private(*bob, "bob", *alice, "alice");
  alice->type("logout");
  wait_for(*alice, "goodbye");
  CHECK(exit_status(*alice) == 0);
  wait_for(*bob, "private session with alice ended by alice");
  wait_for(*bob, "alice logged out");
  bob->type("private alice still there?");
  wait_for(*bob, "error: you have no private session with alice");
}

TEST_CASE("msgclient: private sessions outlive the server") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto bob = logged_in(srv, "bob");
  open_private(*alice, "alice", *bob, "bob");

  REQUIRE(srv.proc().signal(SIGTERM));
  // The server said it was shutting down, so its going is no error (issue 14).
  CHECK(wait_for(*alice, "lost the connection to the server") ==
        "lost the connection to the server");
  CHECK(wait_for(*bob, "lost the connection to the server") == "lost the connection to the server");

  alice->type("private bob just us now");
  wait_for(*bob, "alice (private): just us now");
  bob->type("whoelse");
  wait_for(*bob, "error: not connected to the server");
  bob->type("private alice indeed");
  wait_for(*alice, "bob (private): indeed");

  // The last private session ends: with no server left, both clients are done.
  bob->type("stopprivate alice");
  wait_for(*alice, "private session with bob ended by bob");
  CHECK(exit_status(*alice) == 1);
  CHECK(exit_status(*bob) == 1);
  check_error_lines(*alice);
  check_error_lines(*bob);
}

TEST_CASE("msgclient: the server times out an idle user") {
  server_process srv(60, 1);
  auto alice = logged_in(srv, "alice");
  CHECK(wait_for(*alice, "timed out").rfind("error: ", 0) == 0);
  CHECK(exit_status(*alice) == 1);
}

TEST_CASE("msgclient: Ctrl-C logs out cleanly") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto bob = logged_in(srv, "bob");
  wait_for(*alice, "bob logged in");
  REQUIRE(bob->signal(SIGINT));
  wait_for(*bob, "goodbye");
  CHECK(exit_status(*bob) == 0);
  wait_for(*alice, "bob logged out");
}

// Issue 13: the moment bob's client says welcome, the server knows it takes private sessions.
TEST_CASE("msgclient: a private session asked for the moment the peer is welcomed") {
  constexpr int rounds = 20;
  server_process srv;
  auto alice = logged_in(srv, "alice");
  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round);
    auto bob = logged_in(srv, "bob");  // returns as soon as bob's welcome line is read
    alice->type("startprivate bob");
    REQUIRE(wait_for(*alice, "private session") == "private session with bob requested");
    wait_for(*alice, "private session with bob started");
    wait_for(*bob, "private session with alice started");
    bob->type("logout");
    wait_for(*bob, "goodbye");
    REQUIRE(exit_status(*bob) == 0);
    wait_for(*alice, "private session with bob ended by bob");
    wait_for(*alice, "bob logged out");
  }
  alice->close_stdin();
  CHECK(exit_status(*alice) == 0);
  check_error_lines(*alice);
}

// 10,000 names of the longest length, 330 KB, as a server sends them: 100 names a line (within
// 4096 bytes), the last ones in the reply itself.
TEST_CASE("msgclient: whoelse shows a list that came over many lines, whole") {
  std::vector<std::string> names;
  for (int i = 0; i < 10'000; ++i) {
    const auto n = std::to_string(i);
    names.push_back("user" + std::string(28 - n.size(), '_') + n);
  }
  std::string lines;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i % 100 == 0) lines += i + 100 < names.size() ? "users" : "ok users";
    lines += " " + names[i];
    if (i % 100 == 99) lines += "\n";
  }
  fake_server server([lines](std::string_view line) -> fake_answer {
    const auto word = line.substr(0, line.find(' '));
    if (word == "receipts") return {"ok receipts eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\n"};
    if (word == "privateport") return {"ok private sessions on port 1\n"};
    if (word == "login") return {"ok welcome alice\n"};
    if (word == "whoelse") return {lines};
    if (word == "logout") return {"ok goodbye alice\n", true};
    return {"error bad-command no\n"};
  });
  child_process c(client_path, {"127.0.0.1", server.port()});
  c.type("alice");
  c.type("secret");
  wait_for(c, "welcome");
  c.type("whoelse");
  std::string shown = "online now: " + names.front();
  for (std::size_t i = 1; i < names.size(); ++i)
    shown += ", " + names[i];
  CHECK(wait_for(c, "online now:").ends_with(shown));
  CHECK(c.out().find("users ") == std::string::npos);  // no part was shown on its own
  c.type("logout");
  wait_for(c, "goodbye");
  CHECK(exit_status(c) == 0);
}
