// Turning server lines and private-session events into the lines the user reads.
#include "display.hpp"

#include "style.hpp"

#include <ctime>

#include <fmt/format.h>

#include <msgapp/console/safe_text.hpp>
#include <msgapp/protocol/reply.hpp>

namespace msgapp::apps {
namespace {

using ui::styled_line;

std::string format_local(std::time_t t, bool with_date, bool seconds) {
  std::tm local{};
  localtime_r(&t, &local);
  char text[32];
  const char* form = with_date ? (seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M")
                               : (seconds ? "%H:%M:%S" : "%H:%M");
  const std::size_t n = std::strftime(text, sizeof text, form, &local);
  return std::string(text, n);
}

// A server time as the view shows it: with seconds for a pipe (scripts match them), without
// on a terminal, where they would only be noise.
std::string stamp(std::string_view utc, bool with_date, const view& where) {
  std::tm parts{};
  const std::string text(utc);
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  if (end == nullptr || *end != '\0') return ui::safe_text(text);
  return format_local(timegm(&parts), with_date, !where.terminal);
}

std::string stamp_now(const view& where) {
  return format_local(std::chrono::system_clock::to_time_t(where.now), false, !where.terminal);
}

std::string with_words(std::string_view words, const std::string& text) {
  if (text.find(words) != std::string::npos) return text;
  return fmt::format("{}: {}", words, text);
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Every part is made safe here already, so the string functions' plain() is safe to print.
styled_line& add(styled_line& line, std::string_view text, ui::style look = {}) {
  return line.add(ui::safe_text(text), look);
}

styled_line quiet(std::string_view text) {
  styled_line line;
  return add(line, text, looks::quiet);
}

// `12:01 bob: ` and the like: continuation rows of a wrapped line start under the text.
styled_line said(std::string time, std::string_view who, ui::style who_look,
                 std::string_view marker, ui::style marker_look) {
  styled_line line;
  add(line, time, looks::quiet);
  add(line, " ");
  add(line, who, who_look);
  if (!marker.empty()) {
    add(line, " ");
    add(line, marker, marker_look);
  }
  add(line, ": ");
  line.text_starts_here();
  return line;
}

// An error that is also an event: on a terminal it has its time before the `error:`.
styled_line event_error(std::string_view text, std::string time, const view& where) {
  styled_line line;
  if (where.terminal) add(add(line, time, looks::quiet), " ");
  add(line, fmt::format("{}{}", error_prefix, text), looks::error);
  return line;
}

// A status event (presence, a private session's start and end), quiet, with its time on a
// terminal; the name in it keeps its colour.
styled_line event_status(std::string time, bool time_in_pipe, std::string_view before,
                         std::string_view name, std::string_view after, const view& where) {
  styled_line line;
  if (where.terminal || time_in_pipe) add(add(line, time, looks::quiet), " ", looks::quiet);
  add(line, before, looks::quiet);
  add(line, name, looks::name(name));
  add(line, after, looks::quiet);
  return line;
}

// The words of a typed `message <user> <text>` or `broadcast <text>`, as the server took them.
std::string_view skip_word(std::string_view& s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  const auto word = s.substr(0, s.find(' '));
  s.remove_prefix(word.size());
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  return word;
}

}  // namespace

std::string error_line(std::string_view text) {
  return ui::safe_text(fmt::format("{}{}", error_prefix, text));
}

bool is_error_line(std::string_view line) {
  return line.starts_with(error_prefix);
}

ui::styled_line styled_error(std::string_view text) {
  styled_line line;
  return add(line, fmt::format("{}{}", error_prefix, text), looks::error);
}

ui::styled_line styled_status(std::string_view text) {
  return quiet(text);
}

std::string show_login_error(const server_line& reply) {
  using protocol::code_word;
  using protocol::errc;
  if (reply.code == code_word(errc::login_blocked)) {
    return error_line(with_words("blocked", reply.text));  // not protocol: the screen's word
  }
  if (reply.code == code_word(errc::already_online)) {
    return error_line(with_words("already", reply.text));
  }
  return error_line(reply.text);
}

std::vector<std::string> names_in(const server_line& reply) {
  if (reply.kind != protocol::line_kind::ok) return {};
  auto typed = protocol::parse_ok_text(reply.text);
  auto* users = typed ? std::get_if<protocol::users_reply>(&*typed) : nullptr;
  if (users == nullptr) return {};
  return std::move(users->names);
}

ui::styled_line styled_reply(const user_command& cmd, const server_line& reply) {
  if (reply.kind == protocol::line_kind::error) return styled_error(reply.text);
  if (cmd.what == verb::whoelse) {
    const auto names = names_in(reply);
    return quiet(names.empty() ? "nobody else is online" : "online now: " + joined(names));
  }
  if (cmd.what == verb::blocks) {
    const auto names = names_in(reply);
    return quiet(names.empty() ? "you have blocked nobody" : "you have blocked: " + joined(names));
  }
  if (cmd.what == verb::whoelsesince) {
    const auto names = names_in(reply);
    return quiet(names.empty() ? "nobody else was online in that time"
                               : "online in that time: " + joined(names));
  }
  return quiet(reply.text);
}

std::string show_reply(const user_command& cmd, const server_line& reply) {
  return styled_reply(cmd, reply).plain();
}

std::optional<ui::styled_line> styled_event(const protocol::event& event, const view& where) {
  struct shower {
    const view& where;

    std::optional<styled_line> operator()(const protocol::msg_event& e) const {
      auto line = said(stamp(e.time, false, where), e.from, looks::name(e.from), "", {});
      return add(line, e.text, looks::direct);
    }
    std::optional<styled_line> operator()(const protocol::broadcast_event& e) const {
      auto line = said(stamp(e.time, false, where), e.from, looks::name(e.from), "(broadcast)",
                       looks::quiet);
      return add(line, e.text);
    }
    std::optional<styled_line> operator()(const protocol::offline_event& e) const {
      auto line = said(stamp(e.time, true, where), e.from, looks::name(e.from), "(offline message)",
                       looks::quiet);
      return add(line, e.text);
    }
    std::optional<styled_line> operator()(const protocol::stored_event& e) const {
      auto line = said(stamp(e.time, true, where), e.from, looks::name(e.from), "(offline message)",
                       looks::quiet);
      return add(line, e.text);
    }
    std::optional<styled_line> operator()(const protocol::presence_event& e) const {
      const bool in = e.change == protocol::presence_change::logged_in;
      return event_status(stamp(e.time, false, where), true, "", e.user,
                          in ? " logged in" : " logged out",  // not protocol: the screen's words
                          where);
    }
    // The server's sentences say "timed out" and "shutting down"; say it ourselves should its
    // wording change, since scripts look for these words. A shutdown is nobody's error.
    std::optional<styled_line> operator()(const protocol::timeout_event& e) const {
      return event_error(with_words("timed out", e.text), stamp_now(where), where);
    }
    std::optional<styled_line> operator()(const protocol::shutdown_event& e) const {
      return event_status(stamp_now(where), false,
                          with_words("the server is shutting down", e.text), "", "", where);
    }
    // In the client's own words, which never say "timed out": that has not happened yet.
    std::optional<styled_line> operator()(const protocol::idle_warning_event& e) const {
      return event_status(
          stamp_now(where), false,
          fmt::format(
              "you will be signed off in {} s for inactivity; send a message or a command to stay",
              e.seconds),
          "", "", where);
    }
    // Setting up a private session is nothing the user needs to see.
    std::optional<styled_line> operator()(const protocol::private_offer_event&) const {
      return std::nullopt;
    }
    std::optional<styled_line> operator()(const protocol::private_ready_event&) const {
      return std::nullopt;
    }
  };
  return std::visit(shower{where}, event);
}

std::optional<ui::styled_line> styled_event(const server_line& e, const view& where) {
  if (const auto typed = protocol::to_event(e)) return styled_event(*typed, where);
  styled_line line;  // an event unknown to this client
  if (where.terminal) add(add(line, stamp_now(where), looks::quiet), " ", looks::quiet);
  return add(line, fmt::format("{} {}", e.word, e.text), looks::quiet);
}

std::optional<std::string> show_event(const protocol::event& event) {
  const auto line = styled_event(event, view{});
  if (!line) return std::nullopt;
  return line->plain();
}

std::optional<std::string> show_event(const server_line& e) {
  const auto line = styled_event(e, view{});
  if (!line) return std::nullopt;
  return line->plain();
}

bool is_for_you(const protocol::event& event) {
  return std::holds_alternative<protocol::msg_event>(event);
}

ui::styled_line styled_private(const client::p2p_event& e, const view& where) {
  using kind = client::p2p_event::kind;
  using end = client::p2p_event::end_reason;
  const std::string time = stamp_now(where);
  switch (e.what) {
    case kind::started:
      return event_status(time, false, "private session with ", e.peer,
                          e.encrypted ? " started (encrypted)" : " started", where);
    case kind::message: {
      auto line = said(time, e.peer, looks::name(e.peer), "(private)", looks::privately);
      return add(line, e.text, looks::direct);
    }
    case kind::failed:
      return event_error(fmt::format("private session with {} failed: {}", e.peer, e.text), time,
                         where);
    case kind::unasked:
      return event_status(time, false, "ignored a private session with ", e.peer,
                          " that you did not ask for", where);
    case kind::caller_refused:
      return event_error(
          fmt::format("a private session from {} could not be set up: {}", e.address, e.text), time,
          where);
    case kind::ended:
      break;
  }
  switch (e.end) {
    case end::you_stopped:
      return event_status(time, false, "private session with ", e.peer, " ended", where);
    case end::peer_stopped:
      return event_status(time, false, "private session with ", e.peer,
                          fmt::format(" ended by {}", e.peer), where);
    case end::connection_lost:
      break;
  }
  return event_status(time, false, "private session with ", e.peer,
                      " ended: the connection was lost", where);
}

std::string show_private(const client::p2p_event& e, std::chrono::system_clock::time_point now) {
  return styled_private(e, view{false, now}).plain();
}

std::optional<ui::styled_line> styled_sent(const user_command& cmd, const view& where) {
  std::string_view rest = cmd.line;
  std::string to;
  std::string text;
  std::string_view marker;
  switch (cmd.what) {
    case verb::message:
      skip_word(rest);
      to = skip_word(rest);
      text = rest;
      break;
    case verb::broadcast:
      skip_word(rest);
      to = "everyone";
      text = rest;
      break;
    case verb::private_message:
      to = cmd.user;
      text = cmd.text;
      marker = "(private)";
      break;
    default:
      return std::nullopt;
  }
  // No own name: nothing must look like a message from you.
  styled_line line;
  add(add(line, stamp_now(where), looks::quiet), " ");
  add(line, "->", looks::you);
  add(line, " ");
  add(line, to, to == "everyone" && cmd.what == verb::broadcast ? ui::style{} : looks::name(to));
  if (!marker.empty()) add(add(line, " "), marker, looks::privately);
  add(line, ": ");
  line.text_starts_here();
  return add(line, text);
}

std::string local_time(std::string_view utc, bool with_date) {
  return stamp(utc, with_date, view{});
}

}  // namespace msgapp::apps
