// msgclient's pure parts: the command line, typed commands, and the lines it shows.
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <sstream>

#include <catch2/catch.hpp>

#include "display.hpp"
#include "options.hpp"
#include "user_command.hpp"

namespace {

using namespace msgapp::apps;
using msgapp::client::p2p_event;
using msgapp::protocol::parse_server_line;

// Parses a command line; what msgclient would print on stderr lands in `errors`.
std::variant<client_options, int> parse(std::vector<std::string> args,
                                        std::string* errors = nullptr) {
  args.insert(args.begin(), "msgclient");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  std::ostringstream captured;
  auto* const saved = std::cerr.rdbuf(captured.rdbuf());
  auto parsed = parse_client_options(static_cast<int>(argv.size()), argv.data());
  std::cerr.rdbuf(saved);
  if (errors) *errors = captured.str();
  return parsed;
}

// Local times depend on TZ; these tests run in UTC.
struct utc_zone {
  utc_zone() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

}  // namespace

TEST_CASE("msgclient's command line") {
  const auto plain = parse({"localhost", "4000"});
  REQUIRE(std::holds_alternative<client_options>(plain));
  CHECK(std::get<client_options>(plain).host == "localhost");
  CHECK(std::get<client_options>(plain).port == 4000);
  CHECK_FALSE(std::get<client_options>(plain).user);

  const auto with_user = parse({"127.0.0.1", "1", "--user", "bob"});
  REQUIRE(std::holds_alternative<client_options>(with_user));
  CHECK(std::get<client_options>(with_user).user == std::optional<std::string>("bob"));
  CHECK_FALSE(std::get<client_options>(with_user).state_dir);

  const auto with_state = parse({"localhost", "4000", "--state-dir", "/tmp/s"});
  REQUIRE(std::holds_alternative<client_options>(with_state));
  CHECK(std::get<client_options>(with_state).state_dir == std::optional<std::string>("/tmp/s"));

  for (const auto& bad :
       std::vector<std::vector<std::string>>{{},
                                             {"localhost"},
                                             {"localhost", "0"},
                                             {"localhost", "65536"},
                                             {"localhost", "x"},
                                             {"localhost", "4000", "extra"},
                                             {"localhost", "4000", "--user"},
                                             {"localhost", "4000", "--state-dir"},
                                             {"localhost", "4000", "--state-dir", ""},
                                             {"localhost", "4000", "--colour"}}) {
    std::string errors;
    const auto r = parse(bad, &errors);
    INFO(errors);
    REQUIRE(std::holds_alternative<int>(r));
    CHECK(std::get<int>(r) == 2);
    CHECK(errors.rfind("usage: msgclient <host> <port> [--user NAME]\n", 0) == 0);
  }
}

TEST_CASE("typed commands: the verb, and what the client needs of the arguments") {
  const auto msg = parse_user_command("message bob  hi  there ");
  REQUIRE(msg.has_value());
  CHECK(msg->what == verb::message);
  CHECK(msg->line == "message bob  hi  there ");  // the server gets the text exactly

  const auto priv = parse_user_command("private bob  psst ");
  REQUIRE(priv.has_value());
  CHECK(priv->what == verb::private_message);
  CHECK(priv->user == "bob");
  CHECK(priv->text == "psst ");

  const auto stop_any = parse_user_command("stopprivate");
  REQUIRE(stop_any.has_value());
  CHECK(stop_any->user.empty());
  const auto stop_bob = parse_user_command("stopprivate bob");
  REQUIRE(stop_bob.has_value());
  CHECK(stop_bob->user == "bob");

  const auto start = parse_user_command("  startprivate carol");
  REQUIRE(start.has_value());
  CHECK(start->user == "carol");
  CHECK(start->line == "startprivate carol");

  CHECK(parse_user_command("private bob").error() == "usage: private <user> <text>");
  CHECK(parse_user_command("stopprivate bob carol").error() == "usage: stopprivate [<user>]");
  for (const char* internal : {"login alice pw", "privateport 5", "active", "privateaccept a t"}) {
    INFO(internal);
    CHECK_FALSE(parse_user_command(internal));
  }
  CHECK(is_blank("   "));
  CHECK_FALSE(is_blank(" x "));
}

TEST_CASE("replies and events as the user sees them") {
  utc_zone utc;
  const auto cmd = [](const char* line) { return *parse_user_command(line); };

  CHECK(show_reply(cmd("whoelse"), parse_server_line("ok users bob carol")) ==
        "online now: bob, carol");
  CHECK(show_reply(cmd("whoelse"), parse_server_line("ok users")) == "nobody else is online");
  CHECK(show_reply(cmd("message bob hi"), parse_server_line("ok delivered to bob")) ==
        "delivered to bob");
  CHECK(show_reply(cmd("block zed"), parse_server_line("error unknown-user no user named 'zed'")) ==
        "error: no user named 'zed'");

  CHECK(show_event(parse_server_line("msg 2026-11-25T20:16:09Z alice hi  bob")) ==
        "20:16:09 alice: hi  bob");
  CHECK(show_event(parse_server_line("broadcast 2026-11-25T20:16:09Z alice all")) ==
        "20:16:09 alice (broadcast): all");
  CHECK(show_event(parse_server_line("offline 2026-11-24T08:00:00Z bob old news")) ==
        "2026-11-24 08:00:00 bob (offline message): old news");
  // With receipts the id travels too; the user sees the same line.
  CHECK(show_event(parse_server_line("stored 2026-11-24T08:00:00Z bob 17 old news")) ==
        "2026-11-24 08:00:00 bob (offline message): old news");
  CHECK(show_event(parse_server_line("presence 2026-11-25T20:16:03Z bob logged in")) ==
        "20:16:03 bob logged in");
  CHECK(show_event(parse_server_line("timeout idle for 10 s")) ==
        "error: timed out: idle for 10 s");
  CHECK_FALSE(show_event(parse_server_line("private-offer 2026-11-25T20:16:03Z bob 00ff")));

  CHECK(show_login_error(parse_server_line("error login-blocked try later")) ==
        "error: blocked: try later");
  CHECK(show_login_error(parse_server_line("error already-online alice is already logged in")) ==
        "error: alice is already logged in");
}

TEST_CASE("private-session events as the user sees them") {
  utc_zone utc;
  const auto noon = std::chrono::system_clock::from_time_t(12 * 3600);
  p2p_event e;
  e.peer = "bob";
  e.what = p2p_event::kind::started;
  CHECK(show_private(e, noon) == "private session with bob started");
  e.encrypted = true;
  CHECK(show_private(e, noon) == "private session with bob started (encrypted)");
  e.encrypted = false;
  e.what = p2p_event::kind::message;
  e.text = "psst";
  CHECK(show_private(e, noon) == "12:00:00 bob (private): psst");
  e.what = p2p_event::kind::ended;
  e.end = p2p_event::end_reason::peer_stopped;
  CHECK(show_private(e, noon) == "private session with bob ended by bob");
  e.end = p2p_event::end_reason::connection_lost;
  CHECK(show_private(e, noon) == "private session with bob ended: the connection was lost");
  e.what = p2p_event::kind::failed;
  e.text = "bob's client refused";
  CHECK(show_private(e, noon) == "error: private session with bob failed: bob's client refused");
  e.what = p2p_event::kind::unasked;
  CHECK(show_private(e, noon) == "ignored a private session with bob that you did not ask for");
  e.what = p2p_event::kind::caller_refused;
  e.peer.clear();
  e.address = "1.2.3.4";
  e.text = "too many connections from that address are being set up at once";
  CHECK(show_private(e, noon) ==
        "error: a private session from 1.2.3.4 could not be set up: too many connections from "
        "that address are being set up at once");
}

TEST_CASE("msgclient's command line: --reconnect and --no-reconnect") {
  const auto unset = parse({"localhost", "4000"});
  REQUIRE(std::holds_alternative<client_options>(unset));
  CHECK_FALSE(std::get<client_options>(unset).reconnect);  // decided by the terminal

  const auto on = parse({"localhost", "4000", "--reconnect"});
  REQUIRE(std::holds_alternative<client_options>(on));
  CHECK(std::get<client_options>(on).reconnect == std::optional<bool>(true));

  const auto off = parse({"localhost", "4000", "--no-reconnect"});
  REQUIRE(std::holds_alternative<client_options>(off));
  CHECK(std::get<client_options>(off).reconnect == std::optional<bool>(false));

  std::string errors;
  const auto both = parse({"localhost", "4000", "--reconnect", "--no-reconnect"}, &errors);
  INFO(errors);
  REQUIRE(std::holds_alternative<int>(both));
  CHECK(std::get<int>(both) == 2);
}

TEST_CASE("typed commands: a leading slash, any case and the aliases send the protocol's word") {
  const auto line_of = [](const char* typed) {
    const auto cmd = parse_user_command(typed);
    INFO(typed);
    REQUIRE(cmd.has_value());
    return cmd->line;
  };
  CHECK(line_of("/msg bob  hi  there ") == "message bob  hi  there ");
  CHECK(line_of("MSG bob hi") == "message bob hi");
  CHECK(line_of("/Message bob hi") == "message bob hi");
  CHECK(line_of("/who") == "whoelse");
  CHECK(line_of("whosince 60") == "whoelsesince 60");
  CHECK(line_of("/BLOCK bob") == "block bob");
  CHECK(line_of("/unblock bob") == "unblock bob");
  CHECK(line_of("blocks") == "blocks");
  CHECK(line_of("/quit") == "logout");
  CHECK(line_of("  /startprivate carol") == "startprivate carol");
  CHECK(parse_user_command("/quit")->what == verb::logout);
  CHECK(parse_user_command("/help")->what == verb::help);
  CHECK(parse_user_command("/PRIVATE bob psst")->text == "psst");
  // The protocol words the user may not type stay unknown, however spelled.
  for (const char* internal : {"/login alice pw", "ACTIVE", "/privateport 5"}) {
    INFO(internal);
    CHECK_FALSE(parse_user_command(internal));
  }
}

TEST_CASE("typed commands: query, presence, and the nearest command for a typo") {
  const auto talk = parse_user_command("/query bob");
  REQUIRE(talk);
  CHECK(talk->what == verb::query);
  CHECK(talk->user == "bob");
  CHECK(parse_user_command("talk bob")->user == "bob");
  CHECK(parse_user_command("/query")->user.empty());
  CHECK(parse_user_command("query bob carol").error() == "usage: query [<user>]");
  CHECK_FALSE(parse_user_command("presence off")->on);
  CHECK(parse_user_command("/Presence ON")->on);
  CHECK(parse_user_command("presence").error() == "usage: presence on|off");

  CHECK(parse_user_command("mesage bob hi").error() ==
        "unknown command 'mesage'; did you mean 'message'?");
  CHECK(parse_user_command("/whoelsee").error() ==
        "unknown command '/whoelsee'; did you mean 'whoelse'?");
  CHECK(parse_user_command("LOGUOT").error() == "unknown command 'LOGUOT'; did you mean 'logout'?");
  CHECK(parse_user_command("dance").error() == "unknown command 'dance'; type help for the list");
  CHECK(parse_user_command("xy").error() == "unknown command 'xy'; type help for the list");

  CHECK(is_slash_command("  /who"));
  CHECK_FALSE(is_slash_command("who /me"));
  const auto to_bob = message_to("bob", "hi  there");
  CHECK(to_bob.what == verb::message);
  CHECK(to_bob.line == "message bob hi  there");
}

TEST_CASE("the idle warning and the blocks list as the user sees them") {
  const auto warned = show_event(parse_server_line(
      "idle-warning 30 you will be signed off in 30 s for inactivity unless you send a command"));
  REQUIRE(warned);
  CHECK(*warned ==
        "you will be signed off in 30 s for inactivity; send a message or a command to stay");
  const auto blocks = *parse_user_command("blocks");
  CHECK(show_reply(blocks, parse_server_line("ok users bob carol")) ==
        "you have blocked: bob, carol");
  CHECK(show_reply(blocks, parse_server_line("ok users")) == "you have blocked nobody");
}
