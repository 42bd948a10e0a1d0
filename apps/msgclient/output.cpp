// Sends each line to the console (styled), stderr, or out as JSON, by the mode msgclient runs in.
#include "output.hpp"

#include <chrono>

#include <fmt/format.h>

#include "json_lines.hpp"

namespace msgapp::apps {
namespace {

// A line that is already text: its own lines, and JSON objects (never wrapped or styled).
ui::styled_line text(std::string_view line) {
  ui::styled_line styled;
  styled.add(line);
  return styled;
}

}  // namespace

view output::now() const {
  return view{seen_.terminal, std::chrono::system_clock::now()};
}

std::string output::prompt_for(std::string_view me, const std::vector<std::string>& peers) const {
  return prompt(me, seen_.where, peers, seen_.colour, talking_to_);
}

void output::emit(const ui::styled_line& line, bool error) {
  if (json_) {
    con_.print_line(line.plain());
  } else if (error && !con_.interactive()) {
    con_.print_error_line(line);
  } else {
    con_.print_line(line);
  }
}

void output::write(const ui::styled_line& line, bool error) {
  if (error) ++errors_;
  emit(line, error);
}

void output::print(std::string_view line) {
  const bool error = is_error_line(line);
  write(text(json_ ? json_status(line, json_clock::now()) : std::string(line)), error);
}

void output::print(const ui::styled_line& line) {
  const std::string plain = line.plain();
  const bool error = is_error_line(plain);
  if (json_) {
    write(text(json_status(plain, json_clock::now())), error);
  } else {
    write(line, error);
  }
}

std::optional<ui::styled_line> output::render(const client::event_line& event) const {
  if (!json_) return styled_event(event, now());
  auto line = json_event(event, json_clock::now());
  if (line.empty()) return std::nullopt;
  return text(line);
}

void output::put(const ui::styled_line& rendered) {
  // Events are not failures of a command, but a time-out is still an error to read on stderr.
  emit(rendered, !json_ && is_error_line(rendered.plain()));
}

void output::reply(const user_command& cmd, const protocol::server_line& r) {
  const bool error = r.kind == protocol::line_kind::error;
  if (json_) {
    write(text(json_reply(cmd, r, json_clock::now())), error);
  } else {
    write(styled_reply(cmd, r), error);
  }
}

void output::sent(const user_command& cmd) {
  if (json_) return;
  if (const auto line = styled_sent(cmd, now())) emit(*line, false);
}

void output::login_refused(const protocol::server_line& r) {
  if (json_) {
    write(text(json_reply("login", r, json_clock::now())), true);  // not protocol: the JSON's name
  } else {
    write(text(show_login_error(r)), true);
  }
}

void output::private_event(const client::p2p_event& e, std::string_view me,
                           const std::vector<std::string>& peers) {
  using kind = client::p2p_event::kind;
  if (json_) {
    con_.print_line(json_private(e, json_clock::now()));
  } else {
    const auto line = styled_private(e, now());
    emit(line, is_error_line(line.plain()));
  }
  if (e.what == kind::message && seen_.bell) con_.bell();
  if (e.what == kind::started || e.what == kind::ended) {
    con_.set_prompt(prompt_for(me, peers));  // the prompt lists them
  }
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
