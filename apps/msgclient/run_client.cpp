// msgclient from start to end: connect, the login dialogue, the chat, and saying goodbye.
#include "run_client.hpp"

#include <chrono>
#include <optional>

#include <fmt/format.h>

#include <msgapp/client/client.hpp>
#include <msgapp/client/p2p.hpp>
#include <msgapp/protocol/reply.hpp>

#include "chat.hpp"
#include "connect.hpp"
#include "display.hpp"
#include "output.hpp"
#include "reconnect.hpp"

namespace msgapp::apps {
namespace {

using server_link = client::client;
using protocol::code_word;
using protocol::errc;

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(' ') - first + 1));
}

// The server closed the connection during the login dialogue: say why, if it said.
awaitable<int> lost_during_login(output& out, server_link& server) {
  bool explained = false;
  while (server.pending_events() > 0) {
    const auto event = co_await server.next_event();
    if (!event) break;
    if (auto shown = out.render(*event)) {
      out.put(*shown);
      explained = true;
    }
  }
  if (!explained) out.print(error_line("the server closed the connection"));
  co_return exit_failed;
}

// The private-session side of the user being logged in: made before each login attempt,
// because its listener must be known to the server before the user is online.
struct private_side {
  std::optional<client::private_sessions> sessions;
  std::optional<std::uint16_t> port;  // where they are taken, announced at every login
  std::string trouble;  // why private sessions are unavailable, shown after the welcome
};

// Opens private sessions for `user` on the address the server was reached from, over TLS 1.3
// when the server connection is TLS (keyed by the server's tokens, see p2p.hpp). Returns the
// port, or nothing (and the reason kept) when this client cannot take private sessions.
std::optional<std::uint16_t> open_private_sessions(output& out, server_link& server,
                                                   private_side& side, const std::string& user,
                                                   const net::any_io_executor& ex) {
  auto show = [&out, &side, user](const client::p2p_event& e) {
    // Only the sessions themselves report events, so they exist while one is shown.
    out.private_event(e, user, side.sessions->peers());
  };
  client::p2p_config cfg;
  cfg.encrypted = server.is_tls();  // private sessions are as private as the server connection
  side.sessions.emplace(ex, user, show, cfg);
  side.port.reset();
  side.trouble.clear();
  const auto local = server.local_endpoint();
  const auto port = local ? side.sessions->listen(local->address())
                          : client::result<std::uint16_t>(tl::unexpected(local.error()));
  if (!port) {
    side.trouble = port.error().message();
    return std::nullopt;
  }
  side.port = *port;
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

// Who the user is; kept after the login, to log in again after a lost connection.
struct credentials {
  std::string user;
  std::string password;
};

// One login attempt as the user made it. On a terminal the connection is made only now, when
// the credentials are typed, and made again (once, without a word) when it is gone: the server
// closes connections that do not log in within its deadline, however slowly a person types.
awaitable<client::result<server_line>> try_credentials(
    ui::console& con, output& out, std::optional<server_link>& server,
    const client_options& options, const client::connect_options& how, private_side& privates,
    receipts_answer& receipts, credentials typed) {
  const auto ex = co_await net::this_coro::executor;
  const bool fresh = !server;
  if (!server) server = co_await connect_to(out, options, how);
  if (!server) co_return tl::unexpected(std::make_error_code(std::errc::not_connected));
  auto port = open_private_sessions(out, *server, privates, typed.user, ex);
  auto reply = co_await attempt_login(*server, port, typed.user, typed.password, receipts);
  if (reply || fresh || !con.interactive()) co_return reply;
  server.reset();
  receipts = receipts_answer{};
  server = co_await connect_to(out, options, how);
  if (!server) co_return tl::unexpected(std::make_error_code(std::errc::not_connected));
  port = open_private_sessions(out, *server, privates, typed.user, ex);
  co_return co_await attempt_login(*server, port, typed.user, typed.password, receipts);
}

// In pipe mode, a line counts as the next try after a refused login only if it was written
// after the refusal was printed. A line already waiting was typed ahead (`printf 'eve\nwrong\n
// whoelse\n' | msgclient ...`): taking the commands as passwords would block the name. Asked
// just before the refusal is printed, since a script that answers it writes only after that.
bool typed_ahead(ui::console& con) {
  return !con.interactive() && con.input_waiting();
}

// Why a refused login is the end of the dialogue, or nothing when the user may try again.
std::optional<std::string> no_second_try(const server_line& reply, bool password_given,
                                         bool ahead) {
  if (reply.code == code_word(errc::login_blocked) ||
      reply.code == code_word(errc::already_online)) {
    return std::string();  // the refusal says it all
  }
  if (password_given) return error_line("the password given was refused; not asking for another");
  if (ahead) {
    return error_line(
        "login refused, and the input already waiting is not taken as the next try: nothing "
        "of it was sent (send the next try only after reading the refusal)");
  }
  return std::nullopt;
}

// How the dialogue ends without a login: Ctrl-C, or Ctrl-D on a terminal, is the user's
// choice; input that ends before the login in pipe mode is a script's mistake.
std::string not_logged_in(const ui::console& con, ui::input_end why) {
  if (why == ui::input_end::interrupted || con.interactive()) return "not logged in";
  return error_line("not logged in");
}

// Asks for the name (unless given) and the password (unless given) until the server says
// welcome. Returns the credentials, or the exit status when logging in is over: blocked,
// already online, the end of input, Ctrl-C, the server gone, not reached (`server` empty:
// said why), or no second try (see no_second_try).
awaitable<tl::expected<credentials, int>> log_in(ui::console& con, output& out,
                                                 std::optional<server_link>& server,
                                                 const client_options& options,
                                                 const client::connect_options& how,
                                                 private_side& privates,
                                                 receipts_answer& receipts) {
  const auto& given_user = options.user;
  const auto& given_password = options.password;
  std::string user = given_user.value_or("");
  bool ask_user = !given_user;
  auto why = ui::input_end::eof;  // why the dialogue ended without a login
  for (;;) {
    if (ask_user) {
      const auto typed = co_await con.read_line("Username: ", ui::history::skip);
      if (!typed && typed.error() == ui::input_end::too_long) {
        out.print(error_line("that is too long for a user name"));
        continue;
      }
      if (!typed) {
        why = typed.error();
        break;
      }
      user = trimmed(*typed);
    }
    ask_user = true;  // from now on, a refused name is asked for again
    if (user.empty() || user.find(' ') != std::string::npos) {
      out.print(error_line("a user name is one word"));
      continue;
    }
    // Not `given ? console_input(*given) : co_await ...`: with g++ 12 that temporary in a
    // co_await expression crashed msgclient at exit (the bug class of asio-1.22.md, section 9).
    ui::console_input password = given_password.value_or("");
    if (!given_password) password = co_await con.read_password("Password: ");
    if (!password && password.error() == ui::input_end::too_long) {
      out.print(error_line("that is too long for a password"));
      ask_user = false;
      continue;
    }
    if (!password) {
      why = password.error();
      break;
    }
    if (password->empty() || password->find(' ') != std::string::npos) {
      out.print(error_line("a password is one word, without spaces"));
      if (given_password) co_return tl::unexpected(exit_failed);  // it would never change
      ask_user = false;
      continue;
    }
    credentials typed{user, *password};
    const auto reply =
        co_await try_credentials(con, out, server, options, how, privates, receipts, typed);
    if (!server) co_return tl::unexpected(exit_failed);  // not reached: said why
    if (!reply) {
      const int status = co_await lost_during_login(out, *server);
      co_return tl::unexpected(status);
    }
    if (reply->kind == protocol::line_kind::ok) co_return typed;
    const bool ahead = typed_ahead(con);  // before the refusal is printed: see typed_ahead
    out.login_refused(*reply);
    if (const auto why_not = no_second_try(*reply, given_password.has_value(), ahead)) {
      if (!why_not->empty()) out.print(*why_not);
      co_return tl::unexpected(exit_failed);
    }
    ask_user = reply->code != code_word(errc::wrong_password);
  }
  out.print(not_logged_in(con, why));  // end of input or Ctrl-C at a prompt
  co_return tl::unexpected(exit_failed);
}

// What it takes to log in again after the connection to the server was lost.
struct login_plan {
  client_options options;
  client::connect_options how;  // made once, so --insecure warns once
  credentials who;
  std::optional<std::uint16_t> private_port;  // the same listener goes on taking sessions
  std::optional<std::string> database_id;     // the server's, when it keeps messages for us
};

// Refusals that may pass by themselves: the server is busy, not the user wrong.
bool passing(const server_line& refusal) {
  for (const auto busy : {errc::login_busy, errc::server_full, errc::too_many_connections,
                          errc::unavailable, errc::cluster_unavailable}) {
    if (refusal.code == code_word(busy)) return true;
  }
  return false;
}

// One try to connect and log in again with the credentials the user gave.
awaitable<reconnect_try> log_in_again(login_plan& plan) {
  reconnect_try out;
  auto connected = co_await try_connect(plan.options, plan.how);
  if (!connected) {
    out.why = connected.error();
    co_return out;
  }
  receipts_answer receipts;
  const auto reply = co_await attempt_login(*connected, plan.private_port, plan.who.user,
                                            plan.who.password, receipts);
  if (!reply) {
    out.why = "the connection was lost while logging in";
    co_return out;
  }
  if (reply->kind != protocol::line_kind::ok) {
    out.what =
        passing(*reply) ? reconnect_try::outcome::unreachable : reconnect_try::outcome::refused;
    out.why = reply->text;
    co_return out;
  }
  out.what = reconnect_try::outcome::logged_in;
  out.server = std::move(*connected);
  plan.database_id = receipts.database_id;
  co_return out;
}

// The chat's way back to the server: tries until logged in again, then fits `once` to the
// database of the server found (a new one, if the server's data was replaced).
awaitable<std::optional<server_link>> return_to_server(output& out, login_plan& plan,
                                                       std::optional<shown_once>& once) {
  const auto known = plan.database_id;
  reconnect_attempt attempt = [&plan] { return log_in_again(plan); };
  auto server = co_await reconnect(out, std::move(attempt));
  if (server && plan.database_id != known) {
    once.reset();
    if (plan.database_id) once.emplace(plan.options.state_dir, *plan.database_id, plan.who.user);
  }
  co_return server;
}

}  // namespace

awaitable<int> run_client(ui::console& con, client_options options) {
  output out(con,
             choose_look(con, options.colour, options.bell,
                         fmt::format("{}:{}", options.host, options.port)),
             options.json);
  auto how = tls_options(out, options);
  if (!how) co_return exit_failed;
  // Through a pipe, a script answers the prompts once connected, as it always has; on a
  // terminal the prompts come first (try_credentials).
  std::optional<server_link> server;
  if (!con.interactive()) {
    server = co_await connect_to(out, options, *how);
    if (!server) co_return exit_failed;
  }

  // Private-session events can come at any time until close() below; they print as they come.
  private_side privates;
  receipts_answer receipts;
  const auto me = co_await log_in(con, out, server, options, *how, privates, receipts);
  if (!me) co_return me.error();
  out.welcome(me->user);
  if (!privates.trouble.empty()) {
    out.print(error_line("private sessions are unavailable: " + privates.trouble));
  }

  std::optional<shown_once> once;
  if (receipts.database_id) once.emplace(options.state_dir, *receipts.database_id, me->user);
  const bool reconnecting = options.reconnect.value_or(con.interactive());
  login_plan plan{options, *how, *me, privates.port, receipts.database_id};
  reconnector again;
  if (reconnecting) {
    again = [&out, &plan](std::optional<shown_once>& o) { return return_to_server(out, plan, o); };
  }
  const int status = co_await chat(con, out, std::move(*server), *privates.sessions, me->user,
                                   std::move(once), options.exit_on_error, std::move(again));
  co_await privates.sessions->close(bye_grace);  // every peer is told the session ended
  co_return status;
}

}  // namespace msgapp::apps
