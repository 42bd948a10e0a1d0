// Formatting and parsing of replies: `ok <text>` in its documented forms, `error <code> <text>`.
#include "msgapp/protocol/reply.hpp"

#include <charconv>

#include <fmt/format.h>

#include "msgapp/protocol/server_line.hpp"
#include "msgapp/protocol/take_word.hpp"
#include "msgapp/protocol/words.hpp"

namespace msgapp::protocol {
namespace {

// `ok <a> <b>\n`, or `ok <a>\n` when b is empty: one allocation.
std::string ok_line(std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  std::string line;
  line.reserve(words::ok.size() + a.size() + b.size() + c.size() + 4);
  line.append(words::ok).append(" ").append(a);
  if (!b.empty()) line.append(" ").append(b);
  if (!c.empty()) line.append(" ").append(c);
  line.append("\n");
  return line;
}

// Removes `prefix` and the space after it; false (s unchanged) unless s starts with that
// whole prefix, followed by a space or the end.
bool take_prefix(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  if (s.size() == prefix.size()) {
    s = {};
    return true;
  }
  if (s[prefix.size()] != ' ') return false;
  s.remove_prefix(prefix.size() + 1);
  return true;
}

// One word and nothing else.
std::optional<std::string> only_word(std::string_view s) {
  if (s.empty() || s.find(' ') != std::string_view::npos) return std::nullopt;
  return std::string(s);
}

template <typename T>
std::optional<T> number(std::string_view s) {
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// A reply that names one user: `<prefix> <user>`.
template <typename T>
std::optional<ok_reply> user_reply(std::string_view rest) {
  auto user = only_word(rest);
  if (!user) return std::nullopt;
  return T{std::move(*user)};
}

std::optional<ok_reply> parse_broadcast(std::string_view rest) {
  const auto count = number<std::size_t>(take_word(rest));
  if (!count) return std::nullopt;
  const bool skipped = rest.ends_with(words::part::some_skipped);
  if (skipped) rest.remove_suffix(words::part::some_skipped.size());
  if (rest != (*count == 1 ? "user" : "users")) return std::nullopt;
  return broadcast_reply{*count, skipped};
}

std::optional<ok_reply> parse_users(std::string_view rest) {
  users_reply r;
  while (!rest.empty()) {
    const auto name = take_word(rest);
    if (!name.empty()) r.names.emplace_back(name);
  }
  return r;
}

// `private session with <user> requested|accepted`
std::optional<ok_reply> parse_private_session(std::string_view rest) {
  const auto user = take_word(rest);
  if (user.empty()) return std::nullopt;
  if (rest == words::part::requested) return private_requested_reply{std::string(user)};
  if (rest == words::part::accepted) return private_accepted_reply{std::string(user)};
  return std::nullopt;
}

}  // namespace

std::optional<ok_reply> parse_ok_text(std::string_view rest) {
  if (take_prefix(rest, words::welcome)) return user_reply<welcome_reply>(rest);
  if (take_prefix(rest, words::delivered_to)) return user_reply<delivered_reply>(rest);
  if (take_prefix(rest, words::queued_for)) {
    const auto to = take_word(rest);
    if (to.empty() || rest != words::part::queued_suffix) return std::nullopt;
    return queued_reply{std::string(to)};
  }
  if (take_prefix(rest, words::broadcast_to)) return parse_broadcast(rest);
  if (take_prefix(rest, words::users)) return parse_users(rest);
  if (take_prefix(rest, words::blocked)) return user_reply<blocked_reply>(rest);
  if (take_prefix(rest, words::unblocked)) return user_reply<unblocked_reply>(rest);
  if (take_prefix(rest, words::goodbye)) return user_reply<goodbye_reply>(rest);
  if (take_prefix(rest, words::private_port)) {
    const auto port = number<std::uint16_t>(rest);
    if (!port || *port == 0) return std::nullopt;
    return private_port_reply{*port};
  }
  if (take_prefix(rest, words::part::private_session_with)) return parse_private_session(rest);
  if (rest == words::active) return active_reply{};
  if (take_prefix(rest, words::receipts)) {
    auto id = only_word(rest);
    if (!id) return std::nullopt;
    return receipts_reply{std::move(*id)};
  }
  if (take_prefix(rest, words::confirmed)) {
    const auto id = number<std::uint64_t>(rest);
    if (!id) return std::nullopt;
    return confirmed_reply{*id};
  }
  return std::nullopt;
}

std::string format(const ok_reply& r) {
  struct formatter {
    std::string operator()(const welcome_reply& w) const { return ok_line(words::welcome, w.user); }
    std::string operator()(const delivered_reply& d) const {
      return ok_line(words::delivered_to, d.to);
    }
    std::string operator()(const queued_reply& q) const {
      return ok_line(words::queued_for, q.to, words::part::queued_suffix);
    }
    std::string operator()(const broadcast_reply& b) const {
      return fmt::format("{} {} {} user{}{}\n", words::ok, words::broadcast_to, b.sent,
                         b.sent == 1 ? "" : "s", b.skipped ? words::part::some_skipped : "");
    }
    std::string operator()(const users_reply& u) const {
      std::size_t size = words::ok.size() + words::users.size() + 2;
      for (const auto& n : u.names)
        size += n.size() + 1;
      std::string line;
      line.reserve(size);
      line.append(words::ok).append(" ").append(words::users);
      for (const auto& n : u.names)
        line.append(" ").append(n);
      line.append("\n");
      return line;
    }
    std::string operator()(const blocked_reply& b) const { return ok_line(words::blocked, b.user); }
    std::string operator()(const unblocked_reply& u) const {
      return ok_line(words::unblocked, u.user);
    }
    std::string operator()(const goodbye_reply& g) const { return ok_line(words::goodbye, g.user); }
    std::string operator()(const private_port_reply& p) const {
      return fmt::format("{} {} {}\n", words::ok, words::private_port, p.port);
    }
    std::string operator()(const private_requested_reply& p) const {
      return ok_line(words::part::private_session_with, p.user, words::part::requested);
    }
    std::string operator()(const private_accepted_reply& p) const {
      return ok_line(words::part::private_session_with, p.user, words::part::accepted);
    }
    std::string operator()(const active_reply&) const { return ok_line(words::active); }
    std::string operator()(const receipts_reply& r) const {
      return ok_line(words::receipts, r.database_id);
    }
    std::string operator()(const confirmed_reply& c) const {
      return fmt::format("{} {} {}\n", words::ok, words::confirmed, c.id);
    }
  };
  return std::visit(formatter{}, r);
}

std::vector<std::string> format_lines(const users_reply& r, std::size_t max_line) {
  // Every line gets the room of the longest head, `ok users`, and its '\n'.
  const std::size_t head = words::ok.size() + 1 + words::users.size();
  const std::size_t room = max_line > head + 1 ? max_line - head - 1 : 0;
  std::vector<std::string> lines;
  std::string names;  // " a b c" of the line being filled
  for (const auto& n : r.names) {
    // A name longer than a whole line still goes, alone: names are far shorter than lines.
    if (!names.empty() && names.size() + 1 + n.size() > room) {
      lines.push_back(std::string(words::users).append(names).append("\n"));
      names.clear();
    }
    names.append(" ").append(n);
  }
  std::string last;
  last.reserve(head + names.size() + 1);
  last.append(words::ok).append(" ").append(words::users).append(names).append("\n");
  lines.push_back(std::move(last));
  return lines;
}

std::optional<std::vector<std::string>> parse_users_continuation(std::string_view line) {
  if (!take_prefix(line, words::users)) return std::nullopt;
  auto parsed = parse_users(line);
  return std::move(std::get<users_reply>(*parsed).names);
}

std::optional<ok_reply> parse_ok_reply(std::string_view line) {
  if (!take_prefix(line, words::ok)) return std::nullopt;
  return parse_ok_text(line);
}

std::optional<error> parse_error_reply(std::string_view line) {
  if (!take_prefix(line, words::error)) return std::nullopt;
  const auto code = parse_code_word(take_word(line));
  if (!code) return std::nullopt;
  return error{*code, std::string(line)};
}

std::optional<errc> parse_code_word(std::string_view word) {
  for (int i = 0; i <= static_cast<int>(last_errc); ++i) {
    const auto code = static_cast<errc>(i);
    if (code_word(code) == word) return code;
  }
  return std::nullopt;
}

}  // namespace msgapp::protocol
