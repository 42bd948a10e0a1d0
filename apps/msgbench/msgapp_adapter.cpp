// The msgapp protocol (docs/protocol.md) seen through the adapter interface. Every line is
// read and written by modules/protocol, so a change there reaches the benchmark too.
#include "adapter.hpp"

#include <msgapp/protocol/command.hpp>
#include <msgapp/protocol/server_line.hpp>
#include <msgapp/protocol/words.hpp>

namespace msgbench {
namespace {

namespace proto = msgapp::protocol;
namespace words = msgapp::protocol::words;

class msgapp_adapter final : public protocol_adapter {
 public:
  msgapp::awaitable<std::string> login(bench_conn& conn, std::string user,
                                       std::string password) const override {
    auto [ec, greeting] = co_await conn.read_line();
    if (ec) co_return "no greeting: " + ec.message();
    if (!proto::parse_greeting(greeting)) co_return "unexpected greeting: " + std::string(greeting);
    const proto::command login_cmd = proto::login_cmd{std::move(user), std::move(password)};
    const std::string command = proto::format(login_cmd);
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
    const proto::command logout_cmd = proto::logout_cmd{};
    conn.send(proto::format(logout_cmd));
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
    proto::append_message(out, to, text);
  }
  void append_group(std::string& out, std::string_view text) const override {
    proto::append_broadcast(out, text);
  }
  void append_pong(std::string&, std::string_view) const override {}
  bool replies_to_sends() const override { return true; }

  // Views only: this runs for every line the benchmark receives.
  parsed_line parse(std::string_view line) const override {
    const auto v = proto::view_server_line(line);
    switch (v.kind) {
      case proto::line_kind::ok:
        return {line_kind::reply_ok, v.text};
      case proto::line_kind::error:
        return {line_kind::reply_error, line};
      case proto::line_kind::greeting:
        return {line_kind::other, line};
      case proto::line_kind::event:
        break;
    }
    if (v.word == words::msg) return {line_kind::direct, v.text};
    if (v.word == words::broadcast) return {line_kind::group, v.text};
    if (v.word == words::presence && v.text == words::logged_out) return {line_kind::left, v.from};
    if (v.word == words::presence && v.text == words::logged_in)
      return {line_kind::arrived, v.from};
    if (v.word == words::timeout || v.word == words::shutdown) return {line_kind::closing, line};
    return {line_kind::other, line};
  }
};

}  // namespace

std::unique_ptr<protocol_adapter> make_msgapp_adapter() {
  return std::make_unique<msgapp_adapter>();
}

}  // namespace msgbench
