// The real msgclient's commands: aliases and typos, talking to one user, muted presence, the
// blocks list and the idle warning.
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "msgclient_fixture.hpp"

namespace msgapp::test {
namespace {

std::size_t count_of(const std::string& text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("msgclient: aliases, a leading slash and any case name the same commands") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto bob = logged_in(srv, "bob");
  wait_for(*alice, "bob logged in");
  alice->type("/msg bob hi from a slash");
  wait_for(*alice, "delivered to bob");
  wait_for(*bob, "alice: hi from a slash");
  alice->type("MESSAGE bob  loud  and clear");
  wait_for(*bob, "alice: loud  and clear");  // the text still goes as typed
  alice->type("/Who");
  wait_for(*alice, "online now: bob");
  alice->type("whosince 60");
  wait_for(*alice, "online in that time: bob");
  alice->type("/HELP");
  wait_for(*alice, "query <user>");
  alice->type("mesage bob typo");
  wait_for(*alice, "error: unknown command 'mesage'; did you mean 'message'?");
  alice->type("/blcok bob");
  wait_for(*alice, "error: unknown command '/blcok'; did you mean 'block'?");
  alice->type("xyzzy");
  wait_for(*alice, "error: unknown command 'xyzzy'; type help for the list");
  alice->type("/quit");
  wait_for(*alice, "goodbye");
  CHECK(exit_status(*alice) == 0);
  // Nothing that was refused reached bob.
  bob->type("logout");
  wait_for(*bob, "goodbye");
  CHECK(exit_status(*bob) == 0);
  CHECK(bob->out().find("typo") == std::string::npos);
  check_error_lines(*alice);
}

TEST_CASE("msgclient: /query sends plain lines to one user until /query alone") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  auto bob = logged_in(srv, "bob");
  wait_for(*alice, "bob logged in");
  alice->type("/query bob");
  wait_for(*alice, "talking to bob");
  alice->type("just plain words");
  wait_for(*alice, "delivered to bob");
  wait_for(*bob, "alice: just plain words");
  alice->type("help me with this");  // a command word, but while talking it is text
  wait_for(*bob, "alice: help me with this");
  alice->type("/whoelse");  // a slash makes it a command
  wait_for(*alice, "online now: bob");
  alice->type("/query");
  wait_for(*alice, "no longer talking to bob");
  alice->type("plain again");
  wait_for(*alice, "error: unknown command 'plain'");
  alice->type("talk alice");
  wait_for(*alice, "error: you cannot talk to yourself");
  alice->type("talk b@d");
  wait_for(*alice, "error: no user named 'b@d'");
  alice->type("talk bob");  // the other spelling
  wait_for(*alice, "talking to bob");
  alice->type("via talk");
  wait_for(*bob, "alice: via talk");
  alice->type("/logout");
  wait_for(*alice, "goodbye");
  CHECK(exit_status(*alice) == 0);
  bob->type("logout");
  CHECK(exit_status(*bob) == 0);
  CHECK(bob->out().find("plain again") == std::string::npos);
  CHECK(bob->out().find("online now") == std::string::npos);
  check_error_lines(*alice);
}

TEST_CASE("msgclient: presence off hides others' logins and logouts; on shows them again") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  alice->type("presence off");
  wait_for(*alice, "presence lines are hidden");
  auto carol = logged_in(srv, "carol");
  auto bob = logged_in(srv, "bob");
  // bob's message comes after both logins were announced: had they been shown, they came first.
  bob->type("message alice after the logins");
  wait_for(*alice, "bob: after the logins");
  CHECK(alice->out().find("carol logged in") == std::string::npos);
  CHECK(alice->out().find("bob logged in") == std::string::npos);
  alice->type("/presence ON");
  wait_for(*alice, "presence lines are shown");
  carol->type("logout");
  wait_for(*alice, "carol logged out");
  alice->type("presence maybe");
  wait_for(*alice, "error: usage: presence on|off");
  alice->type("logout");
  CHECK(exit_status(*alice) == 0);
  bob->type("logout");
  CHECK(exit_status(*bob) == 0);
  CHECK(exit_status(*carol) == 0);
  check_error_lines(*alice);
}

TEST_CASE("msgclient: blocks lists whom you have blocked") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  alice->type("blocks");
  wait_for(*alice, "you have blocked nobody");
  alice->type("block dave");
  wait_for(*alice, "blocked dave");
  alice->type("block carol");
  wait_for(*alice, "blocked carol");
  alice->type("/BLOCKS");
  wait_for(*alice, "you have blocked: carol, dave");
  alice->type("unblock dave");
  wait_for(*alice, "unblocked dave");
  alice->type("blocks");
  wait_for(*alice, "you have blocked: carol");
  alice->type("blocks now");
  wait_for(*alice, "error: usage: blocks (no arguments)");
  alice->type("logout");
  CHECK(exit_status(*alice) == 0);
  check_error_lines(*alice);
}

TEST_CASE("msgclient: the idle warning is shown once per idle period, before the time-out") {
  server_process srv(60, 2);  // warned a tenth of the time-out before it: after 1.8 s
  auto alice = logged_in(srv, "alice");
  const auto warning = "you will be signed off in 1 s for inactivity";
  const auto first = wait_for(*alice, warning);
  CHECK(first.rfind("error", 0) == std::string::npos);  // a notice: nothing has gone wrong
  CHECK(first.find("timed out") == std::string::npos);
  CHECK(first.find("logged out") == std::string::npos);
  alice->type("whoelse");  // a command: a new idle period, warned anew
  wait_for(*alice, "nobody else is online");
  wait_for(*alice, warning);
  CHECK(wait_for(*alice, "timed out").rfind("error: ", 0) == 0);
  CHECK(exit_status(*alice) == 1);
  CHECK(count_of(alice->out(), warning) == 2);
  check_error_lines(*alice);
}

}  // namespace msgapp::test
