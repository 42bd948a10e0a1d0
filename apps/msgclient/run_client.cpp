// msgclient from start to end: connect, the login dialogue, the chat, and saying goodbye.
#include "run_client.hpp"

#include <chrono>
#include <cstdio>
#include <optional>

#include <fmt/format.h>

#include <msgapp/net/sleep.hpp>

#include <msgapp/client/client.hpp>
#include <msgapp/client/p2p.hpp>
#include <msgapp/protocol/reply.hpp>
#include <msgapp/tls/context.hpp>
#include <msgapp/tls/verify_error.hpp>

#include "chat.hpp"
#include "display.hpp"

namespace msgapp::apps {
namespace {

using namespace std::chrono_literals;
using namespace net::experimental::awaitable_operators;
using server_link = client::client;
using protocol::code_word;
using protocol::errc;

// How long connecting to the server (name lookup, TCP, greeting) may take.
constexpr auto connect_timeout = 10s;

// Why connecting failed, in words, with a hint where one helps.
std::string explain(std::error_code ec, bool tls) {
  if (ec.category() == msgapp::tls::verify_category()) {
    return ec.message() + "; a server with its own CA needs --ca FILE";
  }
  if (ec.category() == net::error::get_ssl_category()) {
    return fmt::format("TLS failed: {} (is the server using TLS?)", msgapp::tls::describe(ec));
  }
  if ((ec == std::errc::protocol_error || ec == net::error::eof) && !tls) {
    return ec.message() + " (a TLS server needs --tls)";
  }
  return ec.message();
}

// The TLS side of connecting, or nothing when the trust given cannot be loaded (said why).
std::optional<client::connect_options> tls_options(ui::console& con,
                                                   const client_options& options) {
  client::connect_options o;
  if (!options.tls) return o;
  if (options.insecure) {
    std::fputs(
        "msgclient: WARNING: --insecure: the server's certificate is NOT checked. Anyone on "
        "the path can read and change everything, your password included. For testing only.\n",
        stderr);
  }
  auto context = msgapp::tls::client_context(msgapp::tls::trust{options.ca_file, options.insecure});
  if (!context) {
    con.print_line(error_line(context.error()));
    return std::nullopt;
  }
  o.tls = true;
  o.context = std::move(*context);
  return o;
}

awaitable<std::optional<server_link>> connect_to(ui::console& con, client_options options) {
  const auto& host = options.host;
  const auto port = options.port;
  auto how = tls_options(con, options);
  if (!how) co_return std::nullopt;
  // Bounded, because Ctrl-C only reaches us while the console reads (see the console module).
  auto connected =
      co_await (server_link::connect(host, port, std::move(*how)) || sleep_for(connect_timeout));
  const std::string why = connected.index() == 1 ? "no answer"
                          : !std::get<0>(connected)
                              ? explain(std::get<0>(connected).error(), options.tls)
                              : std::string();
  if (!why.empty()) {
    con.print_line(error_line(fmt::format("cannot connect to {} port {}: {}", host, port, why)));
    co_return std::nullopt;
  }
  co_return std::move(*std::get<0>(connected));
}

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(' ') - first + 1));
}

// The server closed the connection during the login dialogue: say why, if it said.
awaitable<int> lost_during_login(ui::console& con, server_link& server) {
  bool explained = false;
  while (server.pending_events() > 0) {
    const auto event = co_await server.next_event();
    if (!event) break;
    if (auto shown = show_event(*event)) {
      con.print_line(*shown);
      explained = true;
    }
  }
  if (!explained) con.print_line(error_line("the server closed the connection"));
  co_return exit_failed;
}

// The private-session side of the user being logged in: made before each login attempt,
// because its listener must be known to the server before the user is online.
struct private_side {
  std::optional<client::private_sessions> sessions;
  std::string trouble;  // why private sessions are unavailable, shown after the welcome
};

// Opens private sessions for `user` on the address the server was reached from, over TLS 1.3
// when the server connection is TLS (keyed by the server's tokens, see p2p.hpp). Returns the
// port, or nothing (and the reason kept) when this client cannot take private sessions.
std::optional<std::uint16_t> open_private_sessions(ui::console& con, server_link& server,
                                                   private_side& side, const std::string& user,
                                                   const net::any_io_executor& ex) {
  auto show = [&con](const client::p2p_event& e) {
    con.print_line(show_private(e, std::chrono::system_clock::now()));
  };
  client::p2p_config cfg;
  cfg.encrypted = server.is_tls();  // private sessions are as private as the server connection
  side.sessions.emplace(ex, user, show, cfg);
  side.trouble.clear();
  const auto local = server.local_endpoint();
  const auto port = local ? side.sessions->listen(local->address())
                          : client::result<std::uint16_t>(tl::unexpected(local.error()));
  if (!port) {
    side.trouble = port.error().message();
    return std::nullopt;
  }
  return *port;
}

// What `receipts` told us, once per connection: whether the server keeps offline messages
// until they are confirmed, and the id of its database. A server without receipts (protocol
// 1) calls it a bad command: then offline messages come as they always did.
struct receipts_answer {
  bool asked = false;
  std::optional<std::string> database_id;  // set when the server keeps messages for us
};

// One login attempt. `receipts` and the private-session port go first, so the server knows
// them by the time the user is online: a `startprivate` sent the moment the welcome arrives
// finds the port, and the queued messages come with their ids.
awaitable<client::result<server_line>> attempt_login(server_link& server,
                                                     std::optional<std::uint16_t> port,
                                                     std::string user, std::string password,
                                                     receipts_answer& receipts) {
  if (!receipts.asked) {
    protocol::command ask = protocol::receipts_cmd{};
    auto answered = co_await server.request(std::move(ask));
    if (!answered) co_return answered;
    receipts.asked = true;
    if (answered->kind == protocol::line_kind::ok) {
      const auto typed = protocol::parse_ok_text(answered->text);
      const auto* id = typed ? std::get_if<protocol::receipts_reply>(&*typed) : nullptr;
      receipts.database_id = id ? id->database_id : std::string();  // none: shown_once says so
    } else if (answered->code != code_word(errc::bad_command)) {
      co_return answered;  // refused outright: that is the answer
    }
  }
  if (port) {
    protocol::command announce = protocol::privateport_cmd{*port};
    auto announced = co_await server.request(std::move(announce));
    // Only a server that refuses us outright (a full one) says no here: that is the answer.
    if (!announced || announced->kind != protocol::line_kind::ok) co_return announced;
  }
  co_return co_await server.login(std::move(user), std::move(password));
}

// Asks for the name (unless given) and the password until the server says welcome. Returns
// the name, or the exit status when logging in is over: blocked, already online, the end of
// input, Ctrl-C, or the server gone.
awaitable<tl::expected<std::string, int>> log_in(ui::console& con, server_link& server,
                                                 std::optional<std::string> given_user,
                                                 private_side& privates,
                                                 receipts_answer& receipts) {
  const auto ex = co_await net::this_coro::executor;
  std::string user = given_user.value_or("");
  bool ask_user = !given_user;
  for (;;) {
    if (ask_user) {
      const auto typed = co_await con.read_line("Username: ", ui::history::skip);
      if (!typed && typed.error() == ui::input_end::too_long) {
        con.print_line(error_line("that is too long for a user name"));
        continue;
      }
      if (!typed) break;
      user = trimmed(*typed);
    }
    ask_user = true;  // from now on, a refused name is asked for again
    if (user.empty() || user.find(' ') != std::string::npos) {
      con.print_line(error_line("a user name is one word"));
      continue;
    }
    const auto password = co_await con.read_password("Password: ");
    if (!password && password.error() == ui::input_end::too_long) {
      con.print_line(error_line("that is too long for a password"));
      ask_user = false;
      continue;
    }
    if (!password) break;
    if (password->empty() || password->find(' ') != std::string::npos) {
      con.print_line(error_line("a password is one word, without spaces"));
      ask_user = false;
      continue;
    }
    const auto port = open_private_sessions(con, server, privates, user, ex);
    const auto reply = co_await attempt_login(server, port, user, *password, receipts);
    if (!reply) {
      const int status = co_await lost_during_login(con, server);
      co_return tl::unexpected(status);
    }
    if (reply->kind == protocol::line_kind::ok) co_return user;
    con.print_line(show_login_error(*reply));
    if (reply->code == code_word(errc::login_blocked) ||
        reply->code == code_word(errc::already_online)) {
      co_return tl::unexpected(exit_failed);
    }
    ask_user = reply->code != code_word(errc::wrong_password);
  }
  con.print_line(error_line("not logged in"));  // end of input or Ctrl-C at a prompt
  co_return tl::unexpected(exit_failed);
}

}  // namespace

awaitable<int> run_client(ui::console& con, client_options options) {
  auto server = co_await connect_to(con, options);
  if (!server) co_return exit_failed;

  // Private-session events can come at any time until close() below; they print as they come.
  private_side privates;
  receipts_answer receipts;
  const auto me = co_await log_in(con, *server, options.user, privates, receipts);
  if (!me) co_return me.error();
  con.print_line(fmt::format("welcome, {}! type help for the commands", *me));
  if (!privates.trouble.empty()) {
    con.print_line(error_line("private sessions are unavailable: " + privates.trouble));
  }

  std::optional<shown_once> once;
  if (receipts.database_id) once.emplace(options.state_dir, *receipts.database_id, *me);
  const int status =
      co_await chat(con, std::move(*server), *privates.sessions, *me, std::move(once));
  co_await privates.sessions->close(bye_grace);  // every peer is told the session ended
  co_return status;
}

}  // namespace msgapp::apps
