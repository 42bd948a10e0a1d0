// The soak's logged-in users: random valid and invalid commands, floods, and a ledger of what
// the server said it delivered against what arrived.
#include "soak_chat.hpp"

#include <msgapp/net/sleep.hpp>
#include <msgapp/protocol/command.hpp>
#include <msgapp/protocol/reply.hpp>
#include <msgapp/protocol/words.hpp>

#include <fmt/format.h>

#include <charconv>

namespace msgbench {
namespace {

namespace proto = msgapp::protocol;
namespace words = msgapp::protocol::words;

// Every eighth chatter floods: direct messages back to back, this many awaiting replies.
constexpr std::size_t flooder_every = 8;
constexpr std::size_t flooder_window = 128;
// The others behave like a person or a small script: a few commands in flight, a pause
// between commands (up to this many ms).
constexpr std::size_t chatter_window = 8;
constexpr int chatter_pause_ms = 50;
// A line past the server's limit (4,096 bytes by default): the reply is line-too-long.
constexpr std::size_t oversized_line = 6000;

std::uint64_t message_id(std::size_t sender, std::uint64_t seq) {
  return (static_cast<std::uint64_t>(sender) << 32) | seq;
}

// "<tag><sender>.<seq>" -> (sender, seq); the text of every soak message and broadcast.
std::optional<std::pair<std::size_t, std::uint64_t>> parse_id(std::string_view text, char tag) {
  if (text.size() < 4 || text[0] != tag) return std::nullopt;
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::size_t sender = 0;
  std::uint64_t seq = 0;
  const auto a = std::from_chars(text.data() + 1, text.data() + dot, sender);
  const auto b = std::from_chars(text.data() + dot + 1, text.data() + text.size(), seq);
  if (a.ec != std::errc{} || b.ec != std::errc{}) return std::nullopt;
  return std::pair{sender, seq};
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

soak_chat::soak_chat(const bench_context& ctx) : ctx_(ctx), pool_(ctx, *this), settled_(ctx.ex) {}

msgapp::awaitable<std::string> soak_chat::start() {
  const std::size_t n = ctx_.opts.users;
  for (std::size_t i = 0; i < n; ++i) {
    chatters_.push_back(std::make_unique<chatter>(ctx_.ex));
    chatters_.back()->flooder = i % flooder_every == flooder_every - 1;
  }
  last_direct_.assign(n * n, 0);
  last_broadcast_.assign(n * n, 0);
  const std::size_t failed = co_await pool_.login_all(n, ctx_.opts.setup_concurrency);
  if (failed > 0)
    co_return fmt::format("{} of {} chatters could not log in; the first: {}", failed, n,
                          pool_.first_error());
  co_return std::string{};
}

msgapp::awaitable<void> soak_chat::run(bench_clock::time_point until,
                                       bench_clock::time_point drain_until) {
  pool_.arm_guard(drain_until + std::chrono::seconds(5));
  task_group senders(ctx_.ex);
  for (std::size_t user = 0; user < chatters_.size(); ++user)
    senders.spawn(send_loop(user, until));
  co_await senders.wait();
  draining_ = true;
  while (!settled() && bench_clock::now() < drain_until)
    co_await settled_.wait_until(drain_until);
  draining_ = false;
}

std::size_t soak_chat::window(std::size_t user) const {
  return chatters_[user]->flooder ? flooder_window : chatter_window;
}

msgapp::awaitable<void> soak_chat::send_loop(std::size_t user, bench_clock::time_point until) {
  auto& c = *chatters_[user];
  std::uniform_int_distribution<int> pause(0, chatter_pause_ms);
  while (bench_clock::now() < until && !c.closed) {
    if (c.awaiting.size() >= window(user)) {
      co_await c.replied.wait_until(until);  // a flood is slowed by the server, never dropped
      continue;
    }
    send_one(user);
    if (!c.flooder) co_await msgapp::sleep_for(std::chrono::milliseconds(pause(random_)));
  }
}

std::size_t soak_chat::other_than(std::size_t user) {
  std::uniform_int_distribution<std::size_t> pick(0, chatters_.size() - 2);
  const std::size_t other = pick(random_);
  return other >= user ? other + 1 : other;
}

void soak_chat::send_one(std::size_t user) {
  auto& c = *chatters_[user];
  const int roll = std::uniform_int_distribution<int>(0, 999)(random_);
  line_.clear();
  sent what{sent_kind::query};
  if (c.flooder ? roll < 998 : roll < 640) {
    const std::size_t to = other_than(user);
    what = {sent_kind::message, message_id(user, ++c.seq)};
    ctx_.adapter.append_direct(line_, ctx_.user_name(to), fmt::format("d{}.{}", user, c.seq));
  } else if (c.flooder || roll < 650) {
    what = {sent_kind::broadcast, message_id(user, ++c.seq)};
    ctx_.adapter.append_group(line_, fmt::format("b{}.{}", user, c.seq));
  } else if (roll < 800) {
    proto::command cmd = proto::whoelse_cmd{};
    if (roll >= 720) cmd = proto::whoelsesince_cmd{60};
    line_ = proto::format(cmd);
  } else {
    return send_invalid(user);
  }
  ++tally_.commands;
  c.awaiting.push_back(what);
  pool_.conn(user).send(line_);
}

// One line the server must refuse with exactly one `error` reply.
void soak_chat::send_invalid(std::size_t user) {
  auto& c = *chatters_[user];
  switch (std::uniform_int_distribution<int>(0, 7)(random_)) {
    case 0:
      line_ = "\n";
      break;
    case 1:
      line_ = "frobnicate the server\n";
      break;
    case 2:
      line_ = fmt::format("{}\n", words::message);
      break;  // usage
    case 3:
      line_ = proto::format(proto::command{proto::message_cmd{"nobody-here", "hi"}});
      break;
    case 4:
      line_ = proto::format(proto::command{proto::message_cmd{ctx_.user_name(user), "me"}});
      break;
    case 5:
      line_ = fmt::format("{} soon\n", words::whoelsesince);
      break;
    case 6:  // assign and append: g++ 12 -O3 warns wrongly on operator+ (GCC PR 105651)
      line_.assign(oversized_line, 'x');
      line_ += '\n';
      break;
    default:
      line_ = fmt::format("{} x \xff\xfe\n", words::broadcast);
      break;  // not UTF-8
  }
  ++tally_.commands;
  ++tally_.invalid_sent;
  c.awaiting.push_back(sent{sent_kind::invalid});
  pool_.conn(user).send(line_);
}

void soak_chat::on_line(std::size_t user, bench_conn&, const parsed_line& line) {
  const std::size_t n = chatters_.size();
  switch (line.kind) {
    case line_kind::reply_ok:
    case line_kind::reply_error:
      on_reply(user, line);
      break;
    case line_kind::direct: {
      const auto id = parse_id(line.text, 'd');
      if (!id || id->first >= n) {
        ++tally_.strangers;
        break;
      }
      ++tally_.received;
      auto& last = last_direct_[user * n + id->first];
      if (id->second <= last) {
        ++tally_.duplicates;  // or out of order, which the hub never does either
        break;
      }
      last = id->second;
      const auto key = message_id(id->first, id->second);
      if (const auto it = open_.find(key); it != open_.end() && it->second.replied) {
        open_.erase(it);  // both halves seen: delivered exactly once
      } else {
        open_[key] = half_seen{false, static_cast<std::uint32_t>(user)};
      }
      break;
    }
    case line_kind::group: {
      const auto id = parse_id(line.text, 'b');
      if (!id || id->first >= n) break;
      ++tally_.broadcast_lines;
      auto& last = last_broadcast_[user * n + id->first];
      if (id->second <= last) ++tally_.broadcast_duplicates;
      last = std::max(last, id->second);
      break;
    }
    default:
      break;
  }
  if (draining_ && settled()) settled_.notify();
}

void soak_chat::on_reply(std::size_t user, const parsed_line& line) {
  auto& c = *chatters_[user];
  // A flooder held back for the flood cut-off is told so, unasked, and closed: not a reply.
  // The close then counts it among the flooders cut off, which the soak tolerates.
  if (const auto e = msgapp::protocol::parse_error_reply(line.text);
      c.flooder && e && e->code == msgapp::protocol::errc::flooding) {
    return;
  }
  if (c.awaiting.empty()) {
    pool_.note_error(fmt::format("{}: a reply to nothing: {}", ctx_.user_name(user), line.text));
    return;
  }
  const sent what = c.awaiting.front();
  c.awaiting.pop_front();
  c.replied.notify();
  const bool ok = line.kind == line_kind::reply_ok;
  if (what.kind == sent_kind::invalid) {
    ++(ok ? tally_.invalid_accepted : tally_.invalid_refused);
    if (ok) pool_.note_error(fmt::format("an invalid command was accepted: {}", line.text));
    return;
  }
  if (!ok) {
    ++tally_.valid_refused;
    pool_.note_error(fmt::format("{}: {}", ctx_.user_name(user), line.text));
    return;
  }
  if (what.kind == sent_kind::broadcast) ++tally_.broadcasts;
  if (what.kind != sent_kind::message) return;
  if (starts_with(line.text, words::queued_for)) {
    ++tally_.queued_ok;  // the recipient had been cut off: its queue has it now
    return;
  }
  // Which recipient: "delivered to <user>", by name.
  const auto it = open_.find(what.id);
  if (it != open_.end() && !it->second.replied) {
    open_.erase(it);
    ++tally_.delivered_ok;
    return;
  }
  const auto to = line.text.substr(std::min(line.text.size(), words::delivered_to.size() + 1));
  const auto prefix = std::min(ctx_.opts.user_prefix.size(), to.size());
  std::size_t recipient = 0;
  const auto parsed = std::from_chars(to.data() + prefix, to.data() + to.size(), recipient);
  recipient -= std::min(recipient, ctx_.opts.first_user);
  if (parsed.ec != std::errc{} || recipient >= chatters_.size() || recipient == user) {
    ++tally_.valid_refused;  // delivered to someone it was not sent to
    pool_.note_error(fmt::format("{}: {}", ctx_.user_name(user), line.text));
    return;
  }
  open_[what.id] = half_seen{true, static_cast<std::uint32_t>(recipient)};
  ++tally_.delivered_ok;
}

msgapp::awaitable<void> soak_chat::stop() {
  stopping_ = true;
  co_await pool_.shutdown();
}

void soak_chat::on_closed(std::size_t user, asio::error_code) {
  if (stopping_) return;
  auto& c = *chatters_[user];
  c.closed = true;
  c.replied.notify();
  if (draining_ && settled()) settled_.notify();
}

void soak_chat::on_abort() {
  for (auto& c : chatters_)
    c->replied.notify();
  settled_.notify();
}

bool soak_chat::settled() const {
  for (const auto& c : chatters_)
    if (!c->closed && !c->awaiting.empty()) return false;
  for (const auto& [id, half] : open_)
    if (half.replied && !chatters_[half.recipient]->closed) return false;
  return true;
}

chat_tally soak_chat::tally() const {
  chat_tally t = tally_;
  for (const auto& c : chatters_) {
    if (!c->closed) {
      t.unanswered += c->awaiting.size();
    } else {
      ++(c->flooder ? t.flooders_cut_off : t.chatters_cut_off);
    }
  }
  for (const auto& [id, half] : open_) {
    const bool sender_gone = chatters_[id >> 32]->closed;
    if (!half.replied) {
      t.strangers += sender_gone ? 0 : 1;  // a sender cut off never read its reply
    } else if (chatters_[half.recipient]->closed) {
      ++t.to_departed;
      --t.delivered_ok;
    } else {
      ++t.missing;
    }
  }
  return t;
}

}  // namespace msgbench
