// Events, replies and status lines as JSON objects, one per line, for --json.
#include "json_lines.hpp"

#include <msgapp/protocol/event.hpp>
#include <msgapp/protocol/reply.hpp>

#include "display.hpp"
#include "json_writer.hpp"

namespace msgapp::apps {
namespace {

std::string now_text(json_clock::time_point now) {
  return protocol::format_time(now);  // ISO 8601 UTC, as the server's own times
}

json_object typed(std::string_view type, std::string_view time) {
  json_object o;
  o.text("type", type).text("time", time);
  return o;
}

// The JSON's own names (docs/client.md, "Scripts"); some are protocol words too, by meaning.
constexpr std::string_view message_type = "message";            // not protocol
constexpr std::string_view broadcast_type = "broadcast";        // not protocol
constexpr std::string_view offline_type = "offline";            // not protocol
constexpr std::string_view welcome_type = "welcome";            // not protocol
constexpr std::string_view users_field = "users";               // not protocol
constexpr std::string_view idle_warning_type = "idle_warning";  // not protocol (its word has '-')

struct event_json {
  std::string now;
  std::string operator()(const protocol::msg_event& e) const {
    return typed(message_type, e.time).text("from", e.from).text("text", e.text).str();
  }
  std::string operator()(const protocol::broadcast_event& e) const {
    return typed(broadcast_type, e.time).text("from", e.from).text("text", e.text).str();
  }
  std::string operator()(const protocol::offline_event& e) const {
    return typed(offline_type, e.time).text("from", e.from).text("text", e.text).str();
  }
  std::string operator()(const protocol::stored_event& e) const {
    return typed(offline_type, e.time)
        .text("from", e.from)
        .text("text", e.text)
        .number("id", e.id)
        .str();
  }
  std::string operator()(const protocol::presence_event& e) const {
    const bool in = e.change == protocol::presence_change::logged_in;
    return typed("presence", e.time).text("user", e.user).flag("online", in).str();  // not protocol
  }
  std::string operator()(const protocol::timeout_event& e) const {
    return typed("timeout", now).text("text", e.text).str();  // not protocol
  }
  std::string operator()(const protocol::shutdown_event& e) const {
    return typed("shutdown", now).text("text", e.text).str();  // not protocol
  }
  std::string operator()(const protocol::idle_warning_event& e) const {
    return typed(idle_warning_type, now).number("seconds", e.seconds).text("text", e.text).str();
  }
  std::string operator()(const protocol::private_offer_event&) const { return {}; }
  std::string operator()(const protocol::private_ready_event&) const { return {}; }
};

std::string first_word(std::string_view line) {
  const auto start = line.find_first_not_of(' ');
  if (start == std::string_view::npos) return {};
  line.remove_prefix(start);
  return std::string(line.substr(0, line.find(' ')));
}

}  // namespace

std::string json_event(const protocol::server_line& event, json_clock::time_point now) {
  if (const auto e = protocol::to_event(event)) return std::visit(event_json{now_text(now)}, *e);
  return typed("event", now_text(now)).text("word", event.word).text("text", event.text).str();
}

std::string json_reply(std::string_view command, const protocol::server_line& reply,
                       json_clock::time_point now) {
  if (reply.kind == protocol::line_kind::error) {
    return typed("error", now_text(now))  // not protocol
        .text("command", command)
        .text("code", reply.code)
        .text("text", reply.text)
        .str();
  }
  auto o = typed("reply", now_text(now));
  o.text("command", command).text("text", reply.text);
  const auto ok = protocol::parse_ok_text(reply.text);
  if (const auto* users = ok ? std::get_if<protocol::users_reply>(&*ok) : nullptr) {
    o.texts(users_field, users->names);
  }
  return o.str();
}

std::string json_reply(const user_command& cmd, const protocol::server_line& reply,
                       json_clock::time_point now) {
  return json_reply(first_word(cmd.line), reply, now);
}

std::string json_private(const client::p2p_event& e, json_clock::time_point now) {
  using kind = client::p2p_event::kind;
  using end = client::p2p_event::end_reason;
  auto o = typed("private", now_text(now));
  o.text("peer", e.peer);
  switch (e.what) {
    case kind::started:
      o.text("event", "started").flag("encrypted", e.encrypted);
      break;
    case kind::message:
      o.text("event", "message").text("text", e.text);  // not protocol
      break;
    case kind::failed:
      o.text("event", "failed").text("text", e.text);
      break;
    case kind::unasked:
      o.text("event", "ignored");
      break;
    case kind::caller_refused:
      o.text("event", "refused").text("address", e.address).text("text", e.text);
      break;
    case kind::ended:
      o.text("event", "ended");
      o.text("by", e.end == end::you_stopped    ? "you"
                   : e.end == end::peer_stopped ? "peer"
                                                : "lost");
      break;
  }
  return o.str();
}

std::string json_welcome(std::string_view user, json_clock::time_point now) {
  return typed(welcome_type, now_text(now)).text("user", user).str();
}

std::string json_status(std::string_view line, json_clock::time_point now) {
  if (is_error_line(line)) {
    line.remove_prefix(error_prefix.size());
    return typed("error", now_text(now)).text("text", line).str();  // not protocol
  }
  return typed("status", now_text(now)).text("text", line).str();
}

}  // namespace msgapp::apps
