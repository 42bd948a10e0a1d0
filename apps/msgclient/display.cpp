// Turning server lines and private-session events into the lines the user reads.
#include "display.hpp"

#include <ctime>

#include <fmt/format.h>

#include <msgapp/console/safe_text.hpp>
#include <msgapp/protocol/reply.hpp>

namespace msgapp::apps {
namespace {

std::string format_local(std::time_t t, bool with_date) {
  std::tm local{};
  localtime_r(&t, &local);
  char text[32];
  const std::size_t n =
      std::strftime(text, sizeof text, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &local);
  return std::string(text, n);
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

}  // namespace

std::string error_line(std::string_view text) {
  return ui::safe_text(fmt::format("error: {}", text));
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

std::string show_reply(const user_command& cmd, const server_line& reply) {
  if (reply.kind == protocol::line_kind::error) return error_line(reply.text);
  if (cmd.what == verb::whoelse) {
    const auto names = names_in(reply);
    return names.empty() ? "nobody else is online" : ui::safe_text("online now: " + joined(names));
  }
  if (cmd.what == verb::blocks) {
    const auto names = names_in(reply);
    return names.empty() ? "you have blocked nobody"
                         : ui::safe_text("you have blocked: " + joined(names));
  }
  if (cmd.what == verb::whoelsesince) {
    const auto names = names_in(reply);
    return names.empty() ? "nobody else was online in that time"
                         : ui::safe_text("online in that time: " + joined(names));
  }
  return ui::safe_text(reply.text);
}

std::optional<std::string> show_event(const protocol::event& event) {
  struct shower {
    std::optional<std::string> operator()(const protocol::msg_event& e) const {
      return fmt::format("{} {}: {}", local_time(e.time, false), e.from, e.text);
    }
    std::optional<std::string> operator()(const protocol::broadcast_event& e) const {
      return fmt::format("{} {} (broadcast): {}", local_time(e.time, false), e.from, e.text);
    }
    std::optional<std::string> operator()(const protocol::offline_event& e) const {
      return fmt::format("{} {} (offline message): {}", local_time(e.time, true), e.from, e.text);
    }
    std::optional<std::string> operator()(const protocol::stored_event& e) const {
      return fmt::format("{} {} (offline message): {}", local_time(e.time, true), e.from, e.text);
    }
    std::optional<std::string> operator()(const protocol::presence_event& e) const {
      const bool in = e.change == protocol::presence_change::logged_in;
      return fmt::format("{} {} {}", local_time(e.time, false), e.user,
                         in ? "logged in" : "logged out");  // not protocol: the screen's words
    }
    // The server's sentences say "timed out" and "shutting down"; say it ourselves should its
    // wording change, since scripts look for these words.
    std::optional<std::string> operator()(const protocol::timeout_event& e) const {
      return error_line(with_words("timed out", e.text));
    }
    std::optional<std::string> operator()(const protocol::shutdown_event& e) const {
      return error_line(with_words("the server is shutting down", e.text));
    }
    // In the client's own words, which never say "timed out": that has not happened yet.
    std::optional<std::string> operator()(const protocol::idle_warning_event& e) const {
      return fmt::format(
          "you will be signed off in {} s for inactivity; send a message or a command to stay",
          e.seconds);
    }
    // Setting up a private session is nothing the user needs to see.
    std::optional<std::string> operator()(const protocol::private_offer_event&) const {
      return std::nullopt;
    }
    std::optional<std::string> operator()(const protocol::private_ready_event&) const {
      return std::nullopt;
    }
  };
  auto line = std::visit(shower{}, event);
  if (line) *line = ui::safe_text(*line);  // names, times and texts are the server's
  return line;
}

std::optional<std::string> show_event(const server_line& e) {
  if (const auto typed = protocol::to_event(e)) return show_event(*typed);
  return ui::safe_text(fmt::format("{} {}", e.word, e.text));  // an event unknown to this client
}

namespace {

std::string private_line(const client::p2p_event& e, std::chrono::system_clock::time_point now) {
  using kind = client::p2p_event::kind;
  using end = client::p2p_event::end_reason;
  switch (e.what) {
    case kind::started:
      return fmt::format("private session with {} started{}", e.peer,
                         e.encrypted ? " (encrypted)" : "");
    case kind::message:
      return fmt::format("{} {} (private): {}",
                         format_local(std::chrono::system_clock::to_time_t(now), false), e.peer,
                         e.text);
    case kind::failed:
      return error_line(fmt::format("private session with {} failed: {}", e.peer, e.text));
    case kind::unasked:
      return fmt::format("ignored a private session with {} that you did not ask for", e.peer);
    case kind::caller_refused:
      return error_line(
          fmt::format("a private session from {} could not be set up: {}", e.address, e.text));
    case kind::ended:
      break;
  }
  switch (e.end) {
    case end::you_stopped:
      return fmt::format("private session with {} ended", e.peer);
    case end::peer_stopped:
      return fmt::format("private session with {} ended by {}", e.peer, e.peer);
    case end::connection_lost:
      break;
  }
  return fmt::format("private session with {} ended: the connection was lost", e.peer);
}

}  // namespace

std::string show_private(const client::p2p_event& e, std::chrono::system_clock::time_point now) {
  return ui::safe_text(private_line(e, now));  // the peer's name and text came over the network
}

std::string local_time(std::string_view utc, bool with_date) {
  std::tm parts{};
  const std::string text(utc);
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  if (end == nullptr || *end != '\0') return ui::safe_text(text);
  return format_local(timegm(&parts), with_date);
}

}  // namespace msgapp::apps
