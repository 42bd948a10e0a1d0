// IRC (RFC 1459/2812 as InspIRCd and ngircd speak it) seen through the adapter interface.
#include "adapter.hpp"

#include <fmt/format.h>

#include <msgapp/protocol/take_word.hpp>

namespace msgbench {
namespace {

using msgapp::protocol::take_word;

// The one channel every fan-out user joins.
constexpr std::string_view bench_channel = "#bench";

std::string_view trailing(std::string_view rest) {
  return rest.starts_with(':') ? rest.substr(1) : rest;
}

// 4xx/5xx numerics are failures, except 422 (no MOTD), which is part of a normal welcome.
bool is_error_numeric(std::string_view command) {
  return command.size() == 3 && command != "422" && (command[0] == '4' || command[0] == '5') &&
         command.find_first_not_of("0123456789") == std::string_view::npos;
}

class irc_adapter final : public protocol_adapter {
 public:
  msgapp::awaitable<std::string> login(bench_conn& conn, std::string user,
                                       std::string /*password*/) const override {
    const std::string hello = fmt::format("NICK {0}\r\nUSER {0} 0 * :msgbench\r\n", user);
    conn.send(hello);
    for (;;) {
      auto [ec, line] = co_await conn.read_line();
      if (ec) co_return "registration: " + ec.message();
      std::string_view rest = line;
      if (rest.starts_with(':')) take_word(rest);
      const auto command = take_word(rest);
      if (command == "001") co_return std::string{};
      if (command == "PING") {
        std::string pong;
        append_pong(pong, trailing(rest));
        conn.send(pong);
      } else if (command == "ERROR" || is_error_numeric(command)) {
        co_return std::string(line);
      }
    }
  }

  msgapp::awaitable<std::string> logout(bench_conn& conn) const override {
    conn.send("QUIT :bye\r\n");
    for (;;) {
      auto [ec, line] = co_await conn.read_line();
      // The server answers QUIT with ERROR and closes; EOF is the success we wait for.
      if (ec) co_return ec == asio::error::eof ? std::string{} : "quit: " + ec.message();
    }
  }

  std::string join_group_line() const override { return fmt::format("JOIN {}\r\n", bench_channel); }

  void append_direct(std::string& out, std::string_view to, std::string_view text) const override {
    out.append("PRIVMSG ").append(to).append(" :").append(text).append("\r\n");
  }
  void append_group(std::string& out, std::string_view text) const override {
    out.append("PRIVMSG ").append(bench_channel).append(" :").append(text).append("\r\n");
  }
  void append_pong(std::string& out, std::string_view token) const override {
    out.append("PONG :").append(token).append("\r\n");
  }
  bool replies_to_sends() const override { return false; }

  parsed_line parse(std::string_view line) const override {
    std::string_view rest = line;
    if (rest.starts_with(':')) take_word(rest);  // the source prefix
    const auto command = take_word(rest);
    if (command == "PRIVMSG") {
      const auto target = take_word(rest);
      return {target.starts_with('#') ? line_kind::group : line_kind::direct, trailing(rest)};
    }
    if (command == "PING") return {line_kind::ping, trailing(rest)};
    if (command == "366") return {line_kind::joined, rest};
    if (command == "ERROR") return {line_kind::closing, line};
    if (is_error_numeric(command)) return {line_kind::reply_error, line};
    return {line_kind::other, line};
  }
};

}  // namespace

std::unique_ptr<protocol_adapter> make_irc_adapter() {
  return std::make_unique<irc_adapter>();
}

}  // namespace msgbench
