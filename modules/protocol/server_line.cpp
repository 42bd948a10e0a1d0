// Formatting and parsing of server-to-client lines: greeting, replies and events.
#include "msgapp/protocol/server_line.hpp"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "msgapp/protocol/limits.hpp"
#include "msgapp/protocol/take_word.hpp"
#include "msgapp/protocol/words.hpp"

namespace msgapp::protocol {

std::string format_greeting() {
  return fmt::format("{} {} {}\n", words::hello, words::part::greeting_name, version);
}

std::string format_ok(std::string_view text) {
  return fmt::format("{} {}\n", words::ok, text);
}

std::string format_error(const error& e) {
  return fmt::format("{} {} {}\n", words::error, code_word(e.code), e.text);
}

std::string format_event(std::string_view kind, std::string_view time, std::string_view from,
                         std::string_view text) {
  std::string line;
  line.reserve(kind.size() + time.size() + from.size() + text.size() + 4);
  line.append(kind).append(" ").append(time).append(" ").append(from).append(" ");
  line.append(text).append("\n");
  return line;
}

std::string format_notice(std::string_view kind, std::string_view text) {
  return fmt::format("{} {}\n", kind, text);
}

std::string format_time(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

server_line_view view_server_line(std::string_view line) {
  server_line_view out;
  out.word = take_word(line);
  if (out.word == words::hello) {
    out.kind = line_kind::greeting;
  } else if (out.word == words::ok) {
    out.kind = line_kind::ok;
  } else if (out.word == words::error) {
    out.kind = line_kind::error;
    out.code = take_word(line);
  } else if (out.word == words::msg || out.word == words::offline || out.word == words::stored ||
             out.word == words::broadcast || out.word == words::presence ||
             out.word == words::private_offer || out.word == words::private_ready) {
    out.time = take_word(line);
    out.from = take_word(line);
  }
  out.text = line;
  return out;
}

server_line parse_server_line(std::string_view line) {
  const auto v = view_server_line(line);
  return server_line{v.kind,
                     std::string(v.word),
                     std::string(v.code),
                     std::string(v.time),
                     std::string(v.from),
                     std::string(v.text)};
}

std::optional<int> parse_greeting(std::string_view line) {
  if (take_word(line) != words::hello || take_word(line) != words::part::greeting_name) {
    return std::nullopt;
  }
  int v = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
  if (line.empty() || ec != std::errc{} || end != line.data() + line.size()) return std::nullopt;
  return v;
}

}  // namespace msgapp::protocol
