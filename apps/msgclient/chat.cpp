// The chat: a keyboard coroutine and a server coroutine on one thread. The client library
// matches replies to commands; this file decides only what the user sees.
#include "chat.hpp"

#include <chrono>
#include <set>
#include <variant>

#include <fmt/format.h>

#include <msgapp/console/history_file.hpp>
#include <msgapp/console/safe_text.hpp>
#include <msgapp/net/sleep.hpp>
#include <msgapp/protocol/text_rules.hpp>

#include "display.hpp"
#include "output.hpp"
#include "run_client.hpp"
#include "style.hpp"
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

struct chat_state {
  chat_state(ui::console& c, output& w, client::client s, client::private_sessions& p,
             std::string name, std::optional<shown_once> o, reconnector r)
      : con(c),
        out(w),
        server(std::move(s)),
        privates(p),
        me(std::move(name)),
        once(std::move(o)),
        again(std::move(r)) {}

  ui::console& con;
  output& out;  // how lines look, and where they go
  client::client server;
  client::private_sessions& privates;
  std::string me;
  std::optional<shown_once> once;  // set when offline messages come as `stored`
  std::set<std::string> online;    // names for Tab completion
  reconnector again;               // empty: a lost server stays lost
  bool server_up = true;
  bool reconnecting = false;
  bool timed_out = false;
  bool shut_down = false;       // the server said it is shutting down: its going is no error
  bool exit_on_error = false;   // --exit-on-error
  bool command_failed = false;  // ... and a command failed: the user leaves, with status 1
  std::string query;            // `query <user>`: plain typed lines go to this user
  bool show_presence = true;    // `presence off` hides others' logins and logouts
  bool idle_warned = false;     // an idle warning was shown since the last command sent
};

// Whom plain typed lines go to; empty when they are commands.
const std::string& query_target(const chat_state& s) {
  return s.query;
}

// The prompt, computed here alone, so how it looks has one place to change: who and where
// (style.hpp), the private sessions, and whom plain lines go to.
std::string prompt_text(const chat_state& s) {
  return s.out.prompt_for(s.me, s.privates.peers());
}

// Every command sent counts as activity: the server's next idle warning is a new one.
void note_sent(chat_state& s) {
  s.idle_warned = false;
}

void say(chat_state& s, const ui::styled_line& line) {
  s.out.print(line);
}

// Tells the server which stored messages were shown (or skipped as shown before), so it may
// delete them. Called once no more events are pending, and before every later command, so a
// confirmation never waits behind one. Its reply is dropped.
void confirm_shown(chat_state& s) {
  if (!s.once || !s.server_up) return;
  if (const auto id = s.once->take_confirmation()) {
    note_sent(s);
    (void)s.server.post(protocol::command(protocol::confirm_cmd{*id}));  // or re-sent, skipped
  }
}

// Sends a line whose reply nobody needs; skipped when too many such replies are awaited.
template <typename Line>
void post_quietly(chat_state& s, Line line) {
  confirm_shown(s);
  if (!s.server_up || s.server.awaited_replies() >= max_awaited) return;
  note_sent(s);
  (void)s.server.post(std::move(line));  // a lost server shows itself to follow_server
}

// Private chat is activity the server cannot see; tell it, without the content.
void note_activity(chat_state& s) {
  post_quietly(s, protocol::command(protocol::active_cmd{}));
}

void set_online(chat_state& s, std::set<std::string> names) {
  s.online = std::move(names);
  // Tab completion shows and types the names as they are: only those that print as they are.
  std::vector<std::string> shown;
  for (const auto& name : s.online)
    if (ui::safe_text(name) == name) shown.push_back(name);
  s.con.set_names(std::move(shown));
}

// Sends a command (a line as typed, or a protocol::command) and waits for its reply.
template <typename Line>
awaitable<reply_result> ask(chat_state& s, Line line) {
  // Bounded, because Ctrl-C only reaches us while the console reads (see the console module).
  // Should the reply come later, the client drops it: nobody is waiting any more.
  confirm_shown(s);
  note_sent(s);
  auto answered = co_await (s.server.request(std::move(line)) || sleep_for(reply_timeout));
  if (answered.index() == 1) co_return tl::unexpected(std::make_error_code(std::errc::timed_out));
  co_return std::move(std::get<0>(answered));
}

// ---- what the server sends ----

void take_event(chat_state& s, const client::event_line& event) {
  if (event.kind != line_kind::event) return;  // a reply to nothing: not worth stopping for
  const protocol::event* typed = event.typed ? &*event.typed : nullptr;
  if (const auto* stored = std::get_if<protocol::stored_event>(typed)) {
    // Formatted first, so that recording it is the last step before it is printed.
    const auto line = s.out.render(event);
    if ((!s.once || s.once->should_show(stored->id)) && line) s.out.put(*line);
    return;
  }
  if (const auto* offer = std::get_if<protocol::private_offer_event>(typed)) {
    if (auto accept = s.privates.accept_offer(*offer)) post_quietly(s, std::move(*accept));
    return;
  }
  if (const auto* ready = std::get_if<protocol::private_ready_event>(typed)) {
    s.privates.connect(*ready);
    return;
  }
  if (const auto* presence = std::get_if<protocol::presence_event>(typed)) {
    auto names = s.online;
    if (presence->change == protocol::presence_change::logged_in) names.insert(presence->user);
    if (presence->change == protocol::presence_change::logged_out) names.erase(presence->user);
    set_online(s, std::move(names));
    if (!s.show_presence) return;
  }
  if (std::get_if<protocol::idle_warning_event>(typed)) {
    if (s.idle_warned) return;  // shown once until the next command
    s.idle_warned = true;
  }
  if (std::get_if<protocol::timeout_event>(typed)) s.timed_out = true;
  if (std::get_if<protocol::shutdown_event>(typed)) s.shut_down = true;
  if (auto shown = s.out.render(event)) s.out.put(*shown);
  if (typed != nullptr && is_for_you(*typed) && s.out.seen().bell) s.con.bell();
}

// After the connection ends, nothing is sent any more; awaited replies fail at once.
void forget_server(chat_state& s) {
  s.server_up = false;
  s.server.close();
}

// The names online at login, for Tab completion. Events that come meanwhile wait, in order,
// for follow_server.
awaitable<void> learn_names(chat_state& s) {
  protocol::command whoelse = protocol::whoelse_cmd{};
  const reply_result who = co_await ask(s, std::move(whoelse));
  if (!who || who->kind != line_kind::ok) co_return;
  const auto names = names_in(*who);
  set_online(s, std::set<std::string>(names.begin(), names.end()));
}

// Whether the user is leaving: keyboard() has ended, and converse() cancels follow_server.
// Asked of the state as it is, since once cancelled, co_await of an awaitable throws. (The
// state goes into a named local first: as a call's argument, g++ 12 miscompiles it.)
bool leaving(const net::cancellation_state& state) {
  return state.cancelled() != net::cancellation_type::none;
}

// The connection is lost: gets a new one through `again`, while the keyboard goes on.
awaitable<bool> get_back(chat_state& s) {
  say(s, styled_status("lost the connection to the server; reconnecting..."));
  s.reconnecting = true;
  auto server = co_await s.again(s.once);
  s.reconnecting = false;
  if (!server) co_return false;
  s.server = std::move(*server);
  s.server_up = true;
  s.shut_down = false;  // this server has announced nothing yet
  say(s, styled_status(fmt::format("reconnected; welcome back, {}", s.me)));
  co_await learn_names(s);
  co_return true;
}

// Takes the server's events as they come, until the connection ends.
awaitable<void> take_events(chat_state& s) {
  for (;;) {
    auto event = co_await s.server.next_event();
    if (!event) co_return;
    take_event(s, *event);
    if (s.server.pending_events() == 0) confirm_shown(s);  // the end of a run of events
  }
}

// Reads the server's events until it is gone (and not reconnected). Returns only when the
// chat is over for the server's reasons: a time-out, or a lost server once no private session
// is left.
awaitable<int> follow_server(chat_state& s) {
  for (;;) {
    co_await take_events(s);
    // Cancelled because the user is leaving: leave() takes over the connection.
    const auto state = co_await net::this_coro::cancellation_state;
    if (leaving(state)) co_return exit_ok;
    forget_server(s);
    if (s.timed_out) co_return exit_failed;  // time-out ends private sessions too
    if (!s.again) break;
    const bool back = co_await get_back(s);
    const auto after = co_await net::this_coro::cancellation_state;
    if (leaving(after)) co_return exit_ok;
    if (!back) break;
  }
  if (!s.again) {
    const std::string lost = "lost the connection to the server";
    say(s, s.shut_down ? styled_status(lost) : styled_error(lost));
  }
  if (!s.privates.peers().empty()) {
    say(s,
        styled_status("your private sessions go on without the server; logout or Ctrl-D to leave"));
    co_await s.privates.wait_until_none();
    if (s.privates.peers().empty()) {  // not cancelled by a logout, which says goodbye instead
      say(s,
          styled_status("the last private session ended, and there is no server: msgclient ends"));
    }
  }
  co_return exit_failed;
}

// ---- what the user types ----

// `query <user>` starts talking to <user>; `query` alone stops. Only the client knows of it.
void talk_to(chat_state& s, const std::string& user) {
  if (user.empty()) {
    say(s, styled_status(s.query.empty() ? "you are not talking to anyone; query <user> starts"
                                         : fmt::format("no longer talking to {}", s.query)));
    s.query.clear();
    s.out.talk_to("");
    return;
  }
  if (!protocol::is_valid_name(user, protocol::limits{})) {
    say(s, styled_error(fmt::format("no user named '{}'", user)));
  } else if (user == s.me) {
    say(s, styled_error("you cannot talk to yourself"));
  } else {
    s.query = user;
    s.out.talk_to(user);
    say(s, styled_status(fmt::format(
               "talking to {}: plain lines go to {}; start a command with /, and /query to stop",
               user, user)));
  }
}

awaitable<void> carry_out(chat_state& s, user_command cmd) {
  switch (cmd.what) {
    case verb::query:
      talk_to(s, cmd.user);
      co_return;
    case verb::presence:
      s.show_presence = cmd.on;
      say(s, styled_status(cmd.on ? "presence lines are shown"
                                  : "presence lines are hidden; presence on shows them again"));
      co_return;
    case verb::help:
      for (const auto& line : help_lines())
        say(s, styled_status(line));
      co_return;
    case verb::private_message: {
      const auto sent = s.privates.send(cmd.user, cmd.text);
      say(s, sent ? styled_status(fmt::format("sent to {} (private)", cmd.user))
                  : styled_error(sent.error().text));
      // Pipes keep the one line they always had: scripts look for `(private)` in what comes.
      if (sent && s.out.seen().terminal) s.out.sent(cmd);
      if (sent) note_activity(s);
      co_return;
    }
    case verb::stopprivate: {
      const auto stopped = s.privates.stop(cmd.user);  // its `ended` line is printed already
      if (!stopped) say(s, styled_error(stopped.error().text));
      if (stopped) note_activity(s);
      co_return;
    }
    case verb::startprivate:
      if (s.privates.has(cmd.user)) {
        say(s, styled_error(fmt::format("you already have a private session with {}", cmd.user)));
        co_return;
      }
      break;
    default:
      break;
  }
  if (!s.server_up && s.reconnecting) {
    say(s, styled_status(
               "not connected; reconnecting... (nothing was sent; private messages still work)"));
    co_return;
  }
  if (!s.server_up) {
    say(s, styled_error("not connected to the server; private messages still work"));
    co_return;
  }
  // The request is known before it goes out, so its private-ready cannot come first.
  if (cmd.what == verb::startprivate) s.privates.expect_ready(cmd.user);
  const reply_result reply = co_await ask(s, cmd.line);
  if (cmd.what == verb::startprivate && reply && reply->kind == line_kind::error) {
    s.privates.forget_ready(cmd.user);
  }
  if (!reply && reply.error() == net::experimental::error::channel_cancelled) co_return;
  if (!reply) {
    const bool late = reply.error() == std::errc::timed_out;
    say(s, styled_error(late ? "the server did not reply in time"
                             : "no reply: the connection to the server was lost"));
    co_return;
  }
  s.out.reply(cmd, *reply);
  // Your own message joins the conversation once the server took it, never before.
  if (reply->kind == line_kind::ok) s.out.sent(cmd);
  if (cmd.what == verb::whoelse && reply->kind == line_kind::ok) {
    const auto names = names_in(*reply);
    set_online(s, std::set<std::string>(names.begin(), names.end()));
  }
}

// Reads commands until the user leaves: logout, end of input (Ctrl-D) or Ctrl-C.
awaitable<void> keyboard(chat_state& s) {
  std::optional<std::size_t> errors;  // errors shown before the last line typed was handled
  for (;;) {
    if (s.exit_on_error && errors && s.out.errors() > *errors) {
      s.command_failed = true;
      say(s, styled_status("a command failed: leaving (--exit-on-error)"));
      co_return;
    }
    const auto typed = co_await s.con.read_line(prompt_text(s));
    errors = s.out.errors();
    if (!typed && typed.error() == ui::input_end::too_long) {
      say(s, styled_error("that line is too long; nothing was sent"));
      continue;
    }
    if (!typed) co_return;
    if (is_blank(*typed)) continue;
    if (!query_target(s).empty() && !is_slash_command(*typed)) {
      auto said = message_to(query_target(s), *typed);  // named: g++ 12 and co_await temporaries
      co_await carry_out(s, std::move(said));
      continue;
    }
    auto cmd = parse_user_command(*typed);
    if (!cmd) {
      say(s, styled_error(cmd.error()));
      continue;
    }
    if (cmd->what == verb::logout) co_return;
    co_await carry_out(s, std::move(*cmd));
  }
}

// Shows what the server still sends after logout (its goodbye), until it closes.
awaitable<void> drain_server(chat_state& s) {
  for (;;) {
    auto event = co_await s.server.next_event();
    if (!event) co_return;
    take_event(s, *event);
  }
}

awaitable<int> leave(chat_state& s) {
  co_await s.privates.close(bye_grace);  // peers hear it from us before the server says so
  const bool was_up = s.server_up;
  // Events already received are handled first, so the confirmation covers their stored messages.
  while (s.server_up && s.server.pending_events() > 0) {
    auto event = co_await s.server.next_event();
    if (!event) break;
    take_event(s, *event);
  }
  confirm_shown(s);
  // The goodbye reply is dropped: leaving says goodbye, whether or not it came.
  if (s.server_up && !s.server.post(protocol::logout_cmd{})) {
    co_await (drain_server(s) || sleep_for(logout_grace));
  }
  forget_server(s);
  ui::styled_line bye;
  bye.add("goodbye, ", looks::quiet).add(ui::safe_text(s.me), looks::you);
  say(s, bye);
  co_return was_up && !s.command_failed ? exit_ok : exit_failed;
}

awaitable<int> converse(chat_state& s) {
  s.con.set_commands(command_words());
  s.con.keep_history(ui::default_history_file());  // on a terminal; the login is not in it
  co_await learn_names(s);
  const auto ended = co_await (keyboard(s) || follow_server(s));
  if (ended.index() == 1) co_return std::get<1>(ended);
  co_return co_await leave(s);  // the user is leaving
}

}  // namespace

awaitable<int> chat(ui::console& con, output& out, client::client server,
                    client::private_sessions& privates, std::string me,
                    std::optional<shown_once> once, bool exit_on_error, reconnector again) {
  chat_state s(con, out, std::move(server), privates, std::move(me), std::move(once),
               std::move(again));
  s.exit_on_error = exit_on_error;
  co_return co_await converse(s);
}

}  // namespace msgapp::apps
