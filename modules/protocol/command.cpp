// Command grammar: first word selects the command, then arguments, then the free text.
#include "msgapp/protocol/command.hpp"

#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "msgapp/protocol/take_word.hpp"
#include "msgapp/protocol/text_rules.hpp"
#include "msgapp/protocol/words.hpp"

namespace msgapp::protocol {
namespace {

// Walks a line word by word; `rest()` is everything after the spaces that follow a word.
class word_walker {
 public:
  explicit word_walker(std::string_view line) : rest_(line) {}

  std::string_view next() {
    skip_spaces();
    return take_word(rest_);
  }
  std::string_view rest() {
    skip_spaces();
    return rest_;
  }
  bool done() { return rest().empty(); }

 private:
  void skip_spaces() {
    while (!rest_.empty() && rest_.front() == ' ')
      rest_.remove_prefix(1);
  }
  std::string_view rest_;
};

// At most `max` bytes of `s` for echoing in an error, cut at a character boundary so the
// reply stays valid UTF-8, with "..." when something was cut.
std::string shortened(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut;
  return fmt::format("{}...", s.substr(0, cut));
}

tl::unexpected<error> usage(std::string_view form) {
  return tl::unexpected(error{errc::usage, fmt::format("usage: {}", form)});
}

tl::unexpected<error> unknown_user(std::string_view name) {
  return tl::unexpected(error{errc::unknown_user, fmt::format("no user named '{}'", name)});
}

// A user argument: present, and spelled like a name that could exist.
tl::expected<std::string, error> user_arg(word_walker& w, std::string_view form,
                                          const limits& lim) {
  const auto name = w.next();
  if (name.empty()) return usage(form);
  if (!is_valid_name(name, lim)) return unknown_user(shortened(name, lim.max_name));
  return std::string(name);
}

tl::expected<std::string, error> text_arg(word_walker& w, std::string_view form,
                                          const limits& lim) {
  const auto text = w.rest();
  if (text.empty()) return usage(form);
  if (text.size() > lim.max_text) {
    return tl::unexpected(
        error{errc::text_too_long,
              fmt::format("the text is {} bytes; the limit is {}", text.size(), lim.max_text)});
  }
  return std::string(text);
}

tl::expected<command, error> parse_words(word_walker& w, std::string_view verb, const limits& lim) {
  if (verb == words::login) {
    constexpr std::string_view form = "login <user> <password>";
    auto user = user_arg(w, form, lim);
    if (!user) return tl::unexpected(user.error());
    const auto password = w.next();
    if (password.empty() || !w.done()) return usage(form);
    return login_cmd{std::move(*user), std::string(password)};
  }
  if (verb == words::message) {
    constexpr std::string_view form = "message <user> <text>";
    auto to = user_arg(w, form, lim);
    if (!to) return tl::unexpected(to.error());
    auto text = text_arg(w, form, lim);
    if (!text) return tl::unexpected(text.error());
    return message_cmd{std::move(*to), std::move(*text)};
  }
  if (verb == words::broadcast) {
    auto text = text_arg(w, "broadcast <text>", lim);
    if (!text) return tl::unexpected(text.error());
    return broadcast_cmd{std::move(*text)};
  }
  if (verb == words::whoelse) {
    if (!w.done()) return usage("whoelse (no arguments)");
    return whoelse_cmd{};
  }
  if (verb == words::whoelsesince) {
    constexpr std::string_view form = "whoelsesince <seconds> (a whole number, 0 or more)";
    const auto number = w.next();
    if (number.empty() || !w.done()) return usage(form);
    std::uint64_t seconds = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), seconds);
    if (end != number.data() + number.size()) return usage(form);
    if (ec == std::errc::result_out_of_range) seconds = std::numeric_limits<std::uint64_t>::max();
    return whoelsesince_cmd{seconds};
  }
  if (verb == words::block || verb == words::unblock) {
    const auto form = verb == words::block ? "block <user>" : "unblock <user>";
    auto user = user_arg(w, form, lim);
    if (!user) return tl::unexpected(user.error());
    if (!w.done()) return usage(form);
    if (verb == words::block) return block_cmd{std::move(*user)};
    return unblock_cmd{std::move(*user)};
  }
  if (verb == words::blocks) {
    if (!w.done()) return usage("blocks (no arguments)");
    return blocks_cmd{};
  }
  if (verb == words::logout) {
    if (!w.done()) return usage("logout (no arguments)");
    return logout_cmd{};
  }
  if (verb == words::startprivate) {
    constexpr std::string_view form = "startprivate <user>";
    auto user = user_arg(w, form, lim);
    if (!user) return tl::unexpected(user.error());
    if (!w.done()) return usage(form);
    return startprivate_cmd{std::move(*user)};
  }
  if (verb == words::privateport) {
    constexpr std::string_view form = "privateport <port> (1 to 65535)";
    const auto number = w.next();
    std::uint16_t port = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), port);
    if (number.empty() || ec != std::errc{} || end != number.data() + number.size() || port == 0 ||
        !w.done()) {
      return usage(form);
    }
    return privateport_cmd{port};
  }
  if (verb == words::privateaccept) {
    constexpr std::string_view form = "privateaccept <user> <token>";
    auto user = user_arg(w, form, lim);
    if (!user) return tl::unexpected(user.error());
    const auto token = w.next();
    if (token.empty() || token.size() > lim.max_token || !w.done()) return usage(form);
    return privateaccept_cmd{std::move(*user), std::string(token)};
  }
  if (verb == words::active) {
    if (!w.done()) return usage("active (no arguments)");
    return active_cmd{};
  }
  if (verb == words::receipts) {
    if (!w.done()) return usage("receipts (no arguments)");
    return receipts_cmd{};
  }
  if (verb == words::confirm) {
    constexpr std::string_view form = "confirm <id> (the id of the last stored message shown)";
    const auto number = w.next();
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), id);
    if (number.empty() || ec != std::errc{} || end != number.data() + number.size() || !w.done())
      return usage(form);
    return confirm_cmd{id};
  }
  // Echo at most a short prefix of the unknown word, so the reply stays well under a line.
  return tl::unexpected(
      error{errc::bad_command,
            fmt::format("unknown command '{}'; commands: login, message, broadcast, whoelse, "
                        "whoelsesince, block, unblock, blocks, logout, startprivate",
                        shortened(verb, 32))});
}

}  // namespace

tl::expected<command, error> parse_command(std::string_view line, const limits& lim) {
  if (auto ok = check_line(line); !ok) return tl::unexpected(ok.error());
  word_walker w(line);
  const auto verb = w.next();
  if (verb.empty()) return tl::unexpected(error{errc::empty_line, "empty line; type a command"});
  return parse_words(w, verb, lim);
}

}  // namespace msgapp::protocol
