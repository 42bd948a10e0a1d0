// Formatting commands: the lines a client sends, as parse_command reads them.
#include <fmt/format.h>

#include "msgapp/protocol/command.hpp"
#include "msgapp/protocol/words.hpp"

namespace msgapp::protocol {
namespace {

// `<verb> <a> <b>\n`, leaving out empty arguments.
std::string line_of(std::string_view verb, std::string_view a = {}, std::string_view b = {}) {
  std::string line;
  line.reserve(verb.size() + a.size() + b.size() + 3);
  line.append(verb);
  if (!a.empty()) line.append(" ").append(a);
  if (!b.empty()) line.append(" ").append(b);
  line.append("\n");
  return line;
}

}  // namespace

void append_message(std::string& out, std::string_view to, std::string_view text) {
  out.append(words::message).append(" ").append(to).append(" ").append(text).append("\n");
}

void append_broadcast(std::string& out, std::string_view text) {
  out.append(words::broadcast).append(" ").append(text).append("\n");
}

std::string format(const command& cmd) {
  struct formatter {
    std::string operator()(const login_cmd& c) const {
      return line_of(words::login, c.user, c.password);
    }
    std::string operator()(const message_cmd& c) const {
      std::string line;
      append_message(line, c.to, c.text);
      return line;
    }
    std::string operator()(const broadcast_cmd& c) const {
      std::string line;
      append_broadcast(line, c.text);
      return line;
    }
    std::string operator()(const whoelse_cmd&) const { return line_of(words::whoelse); }
    std::string operator()(const whoelsesince_cmd& c) const {
      return fmt::format("{} {}\n", words::whoelsesince, c.seconds);
    }
    std::string operator()(const block_cmd& c) const { return line_of(words::block, c.user); }
    std::string operator()(const unblock_cmd& c) const { return line_of(words::unblock, c.user); }
    std::string operator()(const blocks_cmd&) const { return line_of(words::blocks); }
    std::string operator()(const logout_cmd&) const { return line_of(words::logout); }
    std::string operator()(const privateport_cmd& c) const {
      return fmt::format("{} {}\n", words::privateport, c.port);
    }
    std::string operator()(const startprivate_cmd& c) const {
      return line_of(words::startprivate, c.user);
    }
    std::string operator()(const privateaccept_cmd& c) const {
      return line_of(words::privateaccept, c.user, c.token);
    }
    std::string operator()(const active_cmd&) const { return line_of(words::active); }
    std::string operator()(const receipts_cmd&) const { return line_of(words::receipts); }
    std::string operator()(const confirm_cmd& c) const {
      return fmt::format("{} {}\n", words::confirm, c.id);
    }
  };
  return std::visit(formatter{}, cmd);
}

}  // namespace msgapp::protocol
