// Turning server lines and private-session events into the lines the user reads.
#include "display.hpp"

#include <ctime>

#include <fmt/format.h>

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
  return fmt::format("error: {}", text);
}

std::string show_login_error(const server_line& reply) {
  if (reply.code == "login-blocked") return error_line(with_words("blocked", reply.text));
  if (reply.code == "already-online") return error_line(with_words("already", reply.text));
  return error_line(reply.text);
}

std::vector<std::string> names_in(const server_line& reply) {
  std::vector<std::string> names;
  std::string_view rest = reply.text;
  if (rest.substr(0, 5) != "users") return names;
  rest.remove_prefix(5);
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ')
      rest.remove_prefix(1);
    const auto end = rest.find(' ');
    if (!rest.empty()) names.emplace_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  return names;
}

std::string show_reply(const user_command& cmd, const server_line& reply) {
  if (reply.kind == protocol::line_kind::error) return error_line(reply.text);
  if (cmd.what == verb::whoelse) {
    const auto names = names_in(reply);
    return names.empty() ? "nobody else is online" : "online now: " + joined(names);
  }
  if (cmd.what == verb::whoelsesince) {
    const auto names = names_in(reply);
    return names.empty() ? "nobody else was online in that time"
                         : "online in that time: " + joined(names);
  }
  return reply.text;
}

std::optional<std::string> show_event(const server_line& e) {
  if (e.word == "msg") return fmt::format("{} {}: {}", local_time(e.time, false), e.from, e.text);
  if (e.word == "broadcast") {
    return fmt::format("{} {} (broadcast): {}", local_time(e.time, false), e.from, e.text);
  }
  if (e.word == "offline") {
    return fmt::format("{} {} (offline message): {}", local_time(e.time, true), e.from, e.text);
  }
  if (e.word == "presence")
    return fmt::format("{} {} {}", local_time(e.time, false), e.from, e.text);
  // The server's sentences say "timed out" and "shutting down"; say it ourselves should its
  // wording change, since scripts look for these words.
  if (e.word == "timeout") return error_line(with_words("timed out", e.text));
  if (e.word == "shutdown") return error_line(with_words("the server is shutting down", e.text));
  if (e.word == "private-offer" || e.word == "private-ready") return std::nullopt;
  return fmt::format("{} {}", e.word, e.text);  // an event this client does not know yet
}

std::string show_private(const client::p2p_event& e, std::chrono::system_clock::time_point now) {
  using kind = client::p2p_event::kind;
  using end = client::p2p_event::end_reason;
  switch (e.what) {
    case kind::started:
      return fmt::format("private session with {} started", e.peer);
    case kind::message:
      return fmt::format("{} {} (private): {}",
                         format_local(std::chrono::system_clock::to_time_t(now), false), e.peer,
                         e.text);
    case kind::failed:
      return error_line(fmt::format("private session with {} failed: {}", e.peer, e.text));
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

std::string local_time(std::string_view utc, bool with_date) {
  std::tm parts{};
  const std::string text(utc);
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  if (end == nullptr || *end != '\0') return text;
  return format_local(timegm(&parts), with_date);
}

}  // namespace msgapp::apps
