// The chat: a keyboard coroutine and a server coroutine on one thread, plus the one writer to
// the server. Replies are matched to commands by order, as the protocol promises.
#include "chat.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <set>

#include <fmt/format.h>

#include <msgapp/net/sleep.hpp>

#include "display.hpp"
#include "run_client.hpp"
#include "user_command.hpp"

namespace msgapp::apps {
namespace {

using namespace std::chrono_literals;
using namespace net::experimental::awaitable_operators;
using protocol::line_kind;
using reply_result = client::result<server_line>;

// Replies the client may await at once for lines the user did not type (privateaccept,
// active). Those lines are skipped beyond it: the server has work enough already.
constexpr std::size_t max_awaited = 64;
// How long the user's command waits for its reply.
constexpr auto reply_timeout = 10s;
// How long a logout waits for the server's goodbye before leaving anyway.
constexpr auto logout_grace = 2s;
// How long peers get to hear `bye` before their connections are cut.
constexpr auto bye_grace = 2s;

// Who wants the reply to a line sent to the server.
enum class route {
  user,     // the command the user typed: the keyboard coroutine waits for it
  quiet,    // privateaccept, active: nobody needs to see it
  names,    // the whoelse sent at login, for Tab completion
  goodbye,  // logout
};

struct chat_state {
  chat_state(console& c, client::client s, client::private_sessions& p, std::string name)
      : con(c),
        server(std::move(s)),
        privates(p),
        me(std::move(name)),
        outbox(server.socket().get_executor(), max_awaited + 2),
        replies(server.socket().get_executor(), 1) {}

  console& con;
  client::client server;
  client::private_sessions& privates;
  std::string me;
  channel<std::string> outbox;    // lines for the server, written by write_server alone
  std::deque<route> awaited;      // one per line sent, oldest first, as the replies will come
  channel<reply_result> replies;  // the reply to the user's command (one at a time)
  std::set<std::string> online;   // names for Tab completion
  bool server_up = true;
  bool timed_out = false;
};

void say(chat_state& s, std::string_view line) {
  s.con.print_line(line);
}

// Queues one line for the server. Lines nobody waits for are dropped when too many are out.
bool send(chat_state& s, std::string line, route r) {
  if (!s.server_up) return false;
  const bool optional = r == route::quiet || r == route::names;
  if (optional && s.awaited.size() >= max_awaited) return false;
  if (!s.outbox.try_send(std::error_code{}, std::move(line))) return false;
  s.awaited.push_back(r);
  return true;
}

// Private chat is activity the server cannot see; tell it, without the content.
void note_activity(chat_state& s) {
  send(s, "active", route::quiet);
}

void set_online(chat_state& s, std::set<std::string> names) {
  s.online = std::move(names);
  s.con.set_names(std::vector<std::string>(s.online.begin(), s.online.end()));
}

// Sends the user's command and waits for its reply (the reader hands it over).
awaitable<reply_result> ask(chat_state& s, std::string line) {
  if (!send(s, std::move(line), route::user)) {
    co_return tl::unexpected(std::make_error_code(std::errc::not_connected));
  }
  // Bounded, because Ctrl-C only reaches us while the console reads (see the console module).
  auto answered = co_await (s.replies.async_receive(use_nothrow) || sleep_for(reply_timeout));
  if (answered.index() == 1) {
    // Should the reply still come, nobody is waiting for it any more.
    std::replace(s.awaited.begin(), s.awaited.end(), route::user, route::quiet);
    co_return tl::unexpected(std::make_error_code(std::errc::timed_out));
  }
  auto [ec, reply] = std::move(std::get<0>(answered));
  if (ec) co_return tl::unexpected(ec);
  co_return std::move(reply);
}

// ---- what the server sends ----

void take_reply(chat_state& s, server_line reply) {
  if (s.awaited.empty()) return;  // a reply to nothing: not worth stopping for
  const route r = s.awaited.front();
  s.awaited.pop_front();
  const bool ok = reply.kind == line_kind::ok;
  switch (r) {
    case route::user: {
      reply_result handed = std::move(reply);
      s.replies.try_send(std::error_code{}, std::move(handed));  // the keyboard is waiting
      break;
    }
    case route::names:
      if (ok) {
        const auto names = names_in(reply);
        set_online(s, std::set<std::string>(names.begin(), names.end()));
      }
      break;
    case route::quiet:
    case route::goodbye:  // leave() says goodbye, whether or not the reply came
      break;
  }
}

void take_event(chat_state& s, const server_line& event) {
  if (event.word == "private-offer") {
    if (auto accept = s.privates.accept_offer(event)) send(s, std::move(*accept), route::quiet);
    return;
  }
  if (event.word == "private-ready") {
    s.privates.connect(event);
    return;
  }
  if (event.word == "presence") {
    auto names = s.online;
    if (event.text == "logged in") names.insert(event.from);
    if (event.text == "logged out") names.erase(event.from);
    set_online(s, std::move(names));
  }
  if (event.word == "timeout") s.timed_out = true;
  if (auto shown = show_event(event)) say(s, *shown);
}

void take_line(chat_state& s, server_line line) {
  if (line.kind == line_kind::ok || line.kind == line_kind::error) {
    take_reply(s, std::move(line));
  } else {
    take_event(s, line);
  }
}

// After the connection ends, nothing waits for a reply any more.
void forget_server(chat_state& s) {
  s.server_up = false;
  for (const route r : s.awaited) {
    if (r != route::user) continue;
    reply_result lost = tl::unexpected(std::make_error_code(std::errc::not_connected));
    s.replies.try_send(std::error_code{}, std::move(lost));
  }
  s.awaited.clear();
  s.server.close();
}

// Reads the server until it is gone. Returns only when the chat is over for the server's
// reasons: a time-out, or a lost server once no private session is left.
awaitable<int> follow_server(chat_state& s) {
  for (;;) {
    auto line = co_await s.server.read_line();
    // Cancelled because the user is leaving: leave() takes over the connection.
    if (!line && line.error() == net::error::operation_aborted) co_return exit_ok;
    if (!line) break;
    take_line(s, std::move(*line));
  }
  forget_server(s);
  if (s.timed_out) co_return exit_failed;  // time-out ends private sessions too
  say(s, error_line("lost the connection to the server"));
  if (!s.privates.peers().empty()) {
    say(s, "your private sessions go on without the server; logout or Ctrl-D to leave");
    co_await s.privates.wait_until_none();
  }
  co_return exit_failed;
}

// The only coroutine that writes to the server. After a failed write it keeps taking lines
// (and drops them), so no sender ever waits; the reader sees the end of the connection.
awaitable<void> write_server(chat_state& s) {
  for (;;) {
    auto [ec, line] = co_await s.outbox.async_receive(use_nothrow);
    if (ec) co_return;
    if (s.server_up) co_await s.server.send_line(std::move(line));
  }
}

// ---- what the user types ----

awaitable<void> carry_out(chat_state& s, user_command cmd) {
  switch (cmd.what) {
    case verb::help:
      for (const auto& line : help_lines())
        say(s, line);
      co_return;
    case verb::private_message: {
      const auto sent = s.privates.send(cmd.user, cmd.text);
      say(s, sent ? fmt::format("sent to {} (private)", cmd.user) : error_line(sent.error().text));
      if (sent) note_activity(s);
      co_return;
    }
    case verb::stopprivate: {
      const auto stopped = s.privates.stop(cmd.user);  // its `ended` line is printed already
      if (!stopped) say(s, error_line(stopped.error().text));
      if (stopped) note_activity(s);
      co_return;
    }
    case verb::startprivate:
      if (s.privates.has(cmd.user)) {
        say(s, error_line(fmt::format("you already have a private session with {}", cmd.user)));
        co_return;
      }
      break;
    default:
      break;
  }
  if (!s.server_up) {
    say(s, error_line("not connected to the server; private messages still work"));
    co_return;
  }
  const reply_result reply = co_await ask(s, cmd.line);
  if (!reply && reply.error() == net::experimental::error::channel_cancelled) co_return;
  if (!reply) {
    const bool late = reply.error() == std::errc::timed_out;
    say(s, error_line(late ? "the server did not reply in time"
                           : "no reply: the connection to the server was lost"));
    co_return;
  }
  say(s, show_reply(cmd, *reply));
  if (cmd.what == verb::whoelse && reply->kind == line_kind::ok) {
    const auto names = names_in(*reply);
    set_online(s, std::set<std::string>(names.begin(), names.end()));
  }
}

// Reads commands until the user leaves: logout, end of input (Ctrl-D) or Ctrl-C.
awaitable<void> keyboard(chat_state& s) {
  for (;;) {
    const auto typed = co_await s.con.read_line("> ");
    if (!typed && typed.error() == input_end::too_long) {
      say(s, error_line("that line is too long; nothing was sent"));
      continue;
    }
    if (!typed) co_return;
    if (is_blank(*typed)) continue;
    auto cmd = parse_user_command(*typed);
    if (!cmd) {
      say(s, error_line(cmd.error()));
      continue;
    }
    if (cmd->what == verb::logout) co_return;
    co_await carry_out(s, std::move(*cmd));
  }
}

// Reads what the server still sends after logout (its goodbye), until it closes.
awaitable<void> drain_server(chat_state& s) {
  for (;;) {
    auto line = co_await s.server.read_line();
    if (!line) co_return;
    take_line(s, std::move(*line));
  }
}

awaitable<int> leave(chat_state& s) {
  co_await s.privates.close(bye_grace);  // peers hear it from us before the server says so
  const bool was_up = s.server_up;
  if (send(s, "logout", route::goodbye)) co_await (drain_server(s) || sleep_for(logout_grace));
  forget_server(s);
  say(s, fmt::format("goodbye, {}", s.me));
  co_return was_up ? exit_ok : exit_failed;
}

awaitable<int> converse(chat_state& s) {
  s.con.set_commands(command_words());
  send(s, "whoelse", route::names);
  const auto ended = co_await (keyboard(s) || follow_server(s));
  if (ended.index() == 1) co_return std::get<1>(ended);
  co_return co_await leave(s);  // the user is leaving
}

}  // namespace

awaitable<int> chat(console& con, client::client server, client::private_sessions& privates,
                    std::string me) {
  chat_state s(con, std::move(server), privates, std::move(me));
  const auto done = co_await (converse(s) || write_server(s));
  co_return done.index() == 0 ? std::get<0>(done) : exit_failed;
}

}  // namespace msgapp::apps
