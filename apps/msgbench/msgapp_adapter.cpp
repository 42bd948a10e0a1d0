// The msgapp protocol (docs/protocol.md) seen through the adapter interface.
#include "adapter.hpp"

#include <fmt/format.h>

namespace msgbench {
namespace {

// Splits off the first space-separated word.
std::string_view take_word(std::string_view& rest) {
  auto sp = rest.find(' ');
  auto word = rest.substr(0, sp);
  rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
  return word;
}

class msgapp_adapter final : public protocol_adapter {
 public:
  msgapp::awaitable<std::string> login(bench_conn& conn, std::string user,
                                       std::string password) const override {
    auto [ec, greeting] = co_await conn.read_line();
    if (ec) co_return "no greeting: " + ec.message();
    if (!greeting.starts_with("hello ")) co_return "unexpected greeting: " + std::string(greeting);
    const std::string command = fmt::format("login {} {}\n", user, password);
    conn.send(command);
    for (;;) {
      auto [rec, line] = co_await conn.read_line();
      if (rec) co_return "login: " + rec.message();
      auto parsed = parse(line);
      if (parsed.kind == line_kind::reply_ok) co_return std::string{};
      if (parsed.kind == line_kind::reply_error) co_return std::string(line);
      // Presence events for earlier logins may come first; they are not our reply.
    }
  }

  msgapp::awaitable<std::string> logout(bench_conn& conn) const override {
    conn.send("logout\n");
    bool said_goodbye = false;
    for (;;) {
      auto [ec, line] = co_await conn.read_line();
      // The server closes after "ok goodbye"; reading past EOF is not done (Asio 1.22 hangs).
      if (ec) co_return said_goodbye ? std::string{} : "logout: " + ec.message();
      auto parsed = parse(line);
      if (parsed.kind == line_kind::reply_ok) said_goodbye = true;
      if (parsed.kind == line_kind::reply_error) co_return std::string(line);
    }
  }

  std::string join_group_line() const override { return {}; }

  void append_direct(std::string& out, std::string_view to, std::string_view text) const override {
    out.append("message ").append(to).append(" ").append(text).append("\n");
  }
  void append_group(std::string& out, std::string_view text) const override {
    out.append("broadcast ").append(text).append("\n");
  }
  void append_pong(std::string&, std::string_view) const override {}
  bool replies_to_sends() const override { return true; }

  parsed_line parse(std::string_view line) const override {
    std::string_view rest = line;
    const auto first = take_word(rest);
    if (first == "ok") return {line_kind::reply_ok, rest};
    if (first == "error") return {line_kind::reply_error, line};
    if (first == "msg" || first == "broadcast") {
      take_word(rest);  // <time>
      take_word(rest);  // <from>
      return {first == "msg" ? line_kind::direct : line_kind::group, rest};
    }
    if (first == "presence" && rest.ends_with(" logged out")) {
      take_word(rest);  // <time>
      return {line_kind::left, take_word(rest)};
    }
    if (first == "timeout" || first == "shutdown") return {line_kind::closing, line};
    return {line_kind::other, line};
  }
};

}  // namespace

std::unique_ptr<protocol_adapter> make_msgapp_adapter() {
  return std::make_unique<msgapp_adapter>();
}

}  // namespace msgbench
