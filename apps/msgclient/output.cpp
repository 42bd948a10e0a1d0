// Sends each line to the console, stderr, or out as JSON, by the mode msgclient runs in.
#include "output.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "display.hpp"
#include "json_lines.hpp"

namespace msgapp::apps {

void output::emit(std::string_view line, bool error) {
  if (error && !json_ && !con_.interactive()) {
    const std::string whole = fmt::format("{}\n", line);
    std::fwrite(whole.data(), 1, whole.size(), stderr);  // stderr is unbuffered: one write
    return;
  }
  con_.print_line(line);
}

void output::write(std::string_view line, bool error) {
  if (error) ++errors_;
  emit(line, error);
}

void output::print(std::string_view line) {
  const bool error = is_error_line(line);
  if (json_) {
    write(json_status(line, json_clock::now()), error);
  } else {
    write(line, error);
  }
}

std::optional<std::string> output::render(const client::event_line& event) const {
  if (!json_) return show_event(event);
  auto line = json_event(event, json_clock::now());
  if (line.empty()) return std::nullopt;
  return line;
}

void output::put(std::string_view rendered) {
  // Events are not failures of a command, but a time-out is still an error to read on stderr.
  emit(rendered, !json_ && is_error_line(rendered));
}

void output::reply(const user_command& cmd, const protocol::server_line& r) {
  const bool error = r.kind == protocol::line_kind::error;
  if (json_) {
    write(json_reply(cmd, r, json_clock::now()), error);
  } else {
    write(show_reply(cmd, r), error);
  }
}

void output::login_refused(const protocol::server_line& r) {
  if (json_) {
    write(json_reply("login", r, json_clock::now()), true);  // not protocol: the JSON's name
  } else {
    write(show_login_error(r), true);
  }
}

void output::private_event(const client::p2p_event& e) {
  const auto now = json_clock::now();
  if (json_) {
    con_.print_line(json_private(e, now));
    return;
  }
  const std::string line = show_private(e, now);
  emit(line, is_error_line(line));
}

void output::welcome(std::string_view user) {
  if (json_) {
    con_.print_line(json_welcome(user, json_clock::now()));
  } else if (con_.interactive()) {
    con_.print_line(fmt::format("welcome, {}! type help for the commands", user));
  } else {
    con_.print_line(fmt::format("welcome, {}!", user));  // scripts wait for it; no hint
  }
}

}  // namespace msgapp::apps
