// One user reading its whole offline queue with receipts, confirming as it goes, checking order.
#include "queue_drain.hpp"

#include <msgapp/protocol/command.hpp>
#include <msgapp/protocol/reply.hpp>
#include <msgapp/protocol/server_line.hpp>
#include <msgapp/protocol/take_word.hpp>
#include <msgapp/protocol/words.hpp>

#include <charconv>

namespace msgbench {
namespace {

namespace proto = msgapp::protocol;
namespace words = msgapp::protocol::words;

// Confirm at least this often (the server's page is 256 messages), and also whenever every
// line held has been read, as a client does once it has shown a screenful.
constexpr std::uint64_t confirm_every = 256;

}  // namespace

queue_drain::queue_drain(const bench_context& ctx, std::size_t user, std::size_t sender_index,
                         std::uint64_t expected)
    : ctx_(ctx),
      conn_(std::make_shared<bench_conn>(ctx.ex, ctx.tls.get())),
      user_(user),
      sender_index_(static_cast<std::uint32_t>(sender_index)),
      sender_name_(ctx.user_name(sender_index)),
      expected_(expected) {}

void queue_drain::close() {
  conn_->close();
}

msgapp::awaitable<std::string> queue_drain::run() {
  std::string why;
  if (auto ec = co_await conn_->connect(ctx_.target)) {
    why = "connect: " + ec.message();
  } else {
    why = co_await log_in();
  }
  while (why.empty() && !done()) {
    while (why.empty()) {
      const auto line = conn_->next_buffered_line();
      if (!line) break;
      why = on_line(*line);
    }
    if (!why.empty()) break;
    if (last_id_ > confirm_sent_) confirm();
    if (done()) break;
    if (auto ec = co_await conn_->fill()) why = ec.message();
  }
  conn_->close();
  co_return why;
}

// msgapp's login with `receipts` first, so queued messages come as `stored`, with ids.
msgapp::awaitable<std::string> queue_drain::log_in() {
  auto [ec, greeting] = co_await conn_->read_line();
  if (ec) co_return "no greeting: " + ec.message();
  if (!proto::parse_greeting(greeting)) co_return "unexpected greeting: " + std::string(greeting);
  const proto::command receipts_cmd = proto::receipts_cmd{};
  const proto::command login_cmd = proto::login_cmd{ctx_.user_name(user_), ctx_.opts.password};
  conn_->send(proto::format(receipts_cmd) + proto::format(login_cmd));
  bool receipts_on = false;
  for (;;) {
    auto [rec, line] = co_await conn_->read_line();
    if (rec) co_return "login: " + rec.message();
    const auto v = proto::view_server_line(line);
    if (v.kind == proto::line_kind::error) co_return std::string(line);
    if (v.kind != proto::line_kind::ok) continue;  // presence of earlier logins
    const auto reply = proto::parse_ok_text(v.text);
    if (reply && std::holds_alternative<proto::receipts_reply>(*reply)) {
      receipts_on = true;
    } else if (reply && std::holds_alternative<proto::welcome_reply>(*reply)) {
      co_return receipts_on ? std::string{} : "welcome before the receipts reply";
    } else {
      co_return "unexpected reply: " + std::string(line);
    }
  }
}

std::string queue_drain::on_line(std::string_view line) {
  const auto v = proto::view_server_line(line);
  if (v.kind == proto::line_kind::ok) {
    const auto reply = proto::parse_ok_text(v.text);
    const auto* deleted = reply ? std::get_if<proto::confirmed_reply>(&*reply) : nullptr;
    if (!deleted || deleted->id > confirm_sent_) return std::string(line);
    confirmed_ = deleted->id;
    ++confirms_;
    return {};
  }
  // An `offline` event would mean the server ignored receipts: nothing is then exactly once.
  if (v.kind == proto::line_kind::error || v.word == words::timeout || v.word == words::shutdown ||
      v.word == words::offline || v.word == words::msg)
    return std::string(line);
  if (v.word != words::stored) return {};  // presence
  auto rest = v.text;
  const auto id_word = proto::take_word(rest);
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(id_word.data(), id_word.data() + id_word.size(), id);
  const auto msg = parse_payload(rest);
  // Ids must increase; a payload from anyone but our sender is not from this run.
  if (ec != std::errc{} || end != id_word.data() + id_word.size() || id <= last_id_ || !msg ||
      msg->sender != sender_index_ || v.from != sender_name_) {
    ++bad_payloads_;
    return {};
  }
  last_id_ = id;
  order_.accept(msg->sender, msg->seq);
  ++drained_;
  if (++since_confirm_ >= confirm_every) confirm();
  return {};
}

void queue_drain::confirm() {
  const proto::command confirm_cmd = proto::confirm_cmd{last_id_};
  conn_->send(proto::format(confirm_cmd));
  confirm_sent_ = last_id_;
  since_confirm_ = 0;
}

}  // namespace msgbench
