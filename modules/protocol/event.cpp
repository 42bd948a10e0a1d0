// Formatting and parsing of events: `<word> <time> <from> <rest>`, or `<word> <text>`.
#include "msgapp/protocol/event.hpp"

#include <charconv>

#include <fmt/format.h>

#include "msgapp/protocol/server_line.hpp"
#include "msgapp/protocol/take_word.hpp"
#include "msgapp/protocol/words.hpp"

namespace msgapp::protocol {
namespace {

std::string_view change_words(presence_change change) {
  return change == presence_change::logged_in ? words::logged_in : words::logged_out;
}

// The last word of a line: present, and nothing after it.
std::optional<std::string> last_word(std::string_view rest) {
  const auto word = take_word(rest);
  if (word.empty() || !rest.empty()) return std::nullopt;
  return std::string(word);
}

std::optional<event> parse_private_ready(std::string time, std::string from,
                                         std::string_view rest) {
  const auto host = take_word(rest);
  const auto number = take_word(rest);
  auto token = last_word(rest);
  std::uint16_t port = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), port);
  if (host.empty() || number.empty() || ec != std::errc{} || end != number.data() + number.size() ||
      port == 0 || !token) {
    return std::nullopt;
  }
  return private_ready_event{std::move(time), std::move(from), std::string(host), port,
                             std::move(*token)};
}

}  // namespace

std::string format_msg(std::string_view time, std::string_view from, std::string_view text) {
  return format_event(words::msg, time, from, text);
}

std::string format_offline(std::string_view time, std::string_view from, std::string_view text) {
  return format_event(words::offline, time, from, text);
}

std::string format_stored(std::string_view time, std::string_view from, std::uint64_t id,
                          std::string_view text) {
  return format_event(words::stored, time, from, fmt::format("{} {}", id, text));
}

std::string format_broadcast(std::string_view time, std::string_view from, std::string_view text) {
  return format_event(words::broadcast, time, from, text);
}

std::string format_presence(std::string_view time, std::string_view user, presence_change change) {
  return format_event(words::presence, time, user, change_words(change));
}

std::string format_private_offer(std::string_view time, std::string_view from,
                                 std::string_view token) {
  return format_event(words::private_offer, time, from, token);
}

std::string format_private_ready(std::string_view time, std::string_view from,
                                 std::string_view host, std::uint16_t port,
                                 std::string_view token) {
  return format_event(words::private_ready, time, from, fmt::format("{} {} {}", host, port, token));
}

std::string format_timeout(std::string_view text) {
  return format_notice(words::timeout, text);
}

std::string format_shutdown(std::string_view text) {
  return format_notice(words::shutdown, text);
}

std::string format_idle_warning(std::uint64_t seconds, std::string_view text) {
  return format_notice(words::idle_warning, fmt::format("{} {}", seconds, text));
}

std::string format(const event& e) {
  struct formatter {
    std::string operator()(const msg_event& m) const { return format_msg(m.time, m.from, m.text); }
    std::string operator()(const offline_event& m) const {
      return format_offline(m.time, m.from, m.text);
    }
    std::string operator()(const stored_event& m) const {
      return format_stored(m.time, m.from, m.id, m.text);
    }
    std::string operator()(const broadcast_event& m) const {
      return format_broadcast(m.time, m.from, m.text);
    }
    std::string operator()(const presence_event& p) const {
      return format_presence(p.time, p.user, p.change);
    }
    std::string operator()(const private_offer_event& o) const {
      return format_private_offer(o.time, o.from, o.token);
    }
    std::string operator()(const private_ready_event& r) const {
      return format_private_ready(r.time, r.from, r.host, r.port, r.token);
    }
    std::string operator()(const timeout_event& t) const { return format_timeout(t.text); }
    std::string operator()(const shutdown_event& s) const { return format_shutdown(s.text); }
    std::string operator()(const idle_warning_event& w) const {
      return format_idle_warning(w.seconds, w.text);
    }
  };
  return std::visit(formatter{}, e);
}

std::optional<event> parse_event(std::string_view line) {
  const auto word = take_word(line);
  if (word == words::timeout) return timeout_event{std::string(line)};
  if (word == words::shutdown) return shutdown_event{std::string(line)};
  if (word == words::idle_warning) {
    const auto number = take_word(line);
    std::uint64_t seconds = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), seconds);
    if (number.empty() || ec != std::errc{} || end != number.data() + number.size())
      return std::nullopt;
    return idle_warning_event{seconds, std::string(line)};
  }
  // Every other event has a time and a user after its word.
  const auto time_word = take_word(line);
  const auto from_word = take_word(line);
  if (time_word.empty() || from_word.empty()) return std::nullopt;
  std::string time(time_word);
  std::string from(from_word);
  if (word == words::msg) return msg_event{std::move(time), std::move(from), std::string(line)};
  if (word == words::offline) {
    return offline_event{std::move(time), std::move(from), std::string(line)};
  }
  if (word == words::stored) {
    const auto number = take_word(line);
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), id);
    if (number.empty() || ec != std::errc{} || end != number.data() + number.size())
      return std::nullopt;
    return stored_event{std::move(time), std::move(from), id, std::string(line)};
  }
  if (word == words::broadcast) {
    return broadcast_event{std::move(time), std::move(from), std::string(line)};
  }
  if (word == words::presence) {
    if (line == words::logged_in) {
      return presence_event{std::move(time), std::move(from), presence_change::logged_in};
    }
    if (line == words::logged_out) {
      return presence_event{std::move(time), std::move(from), presence_change::logged_out};
    }
    return std::nullopt;
  }
  if (word == words::private_offer) {
    auto token = last_word(line);
    if (!token) return std::nullopt;
    return private_offer_event{std::move(time), std::move(from), std::move(*token)};
  }
  if (word == words::private_ready)
    return parse_private_ready(std::move(time), std::move(from), line);
  return std::nullopt;
}

std::optional<event> to_event(const server_line& l) {
  if (l.kind != line_kind::event) return std::nullopt;
  std::string line;
  line.reserve(l.word.size() + l.time.size() + l.from.size() + l.text.size() + 3);
  line.append(l.word).append(" ");
  // Events but timeout and shutdown keep their time and sender in place even when empty (a
  // malformed line): otherwise the text's first words would be read as them.
  if (l.word != words::timeout && l.word != words::shutdown && l.word != words::idle_warning)
    line.append(l.time).append(" ").append(l.from).append(" ");
  line.append(l.text);
  return parse_event(line);
}

}  // namespace msgapp::protocol
