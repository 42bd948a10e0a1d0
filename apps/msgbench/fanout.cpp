// Group fan-out: N users in one group, K of them broadcasting with a window each.
#include "measure.hpp"
#include "payload.hpp"
#include "user_pool.hpp"
#include "workloads.hpp"

#include <fmt/format.h>

#include <memory>
#include <vector>

namespace msgbench {
namespace {

// Users 0..K-1 broadcast; every user but the sender receives each broadcast. A broadcast stays
// "in flight" until all N-1 receivers have seen it, and each sender keeps W in flight.
class fanout final : public line_sink {
 public:
  explicit fanout(const bench_context& ctx) : ctx_(ctx), pool_(ctx, *this), progress_(ctx.ex) {}

  msgapp::awaitable<run_result> run();

  void on_line(std::size_t user, bench_conn& conn, const parsed_line& line) override;
  void on_closed(std::size_t user, asio::error_code ec) override;
  void on_abort() override { stop(); }

 private:
  struct sender_state {
    sender_state(const asio::any_io_executor& ex, std::size_t window)
        : remaining(window, 0), window_open(ex) {}
    std::uint64_t sent = 0;
    std::uint64_t oldest = 0;              // first seq not yet seen by every receiver
    std::vector<std::uint32_t> remaining;  // receivers still to see seq, at [seq % window]
    std::uint64_t replies = 0;
    bool waiting = false;
    wake_signal window_open;
  };

  std::uint64_t receivers() const { return ctx_.opts.users - 1; }
  bool drained() const { return delivered_ >= expected_ && replies_pending_ == 0; }
  void stop();
  void on_delivery(std::size_t user, bench_conn& conn, const payload& msg);
  msgapp::awaitable<void> broadcast_window(std::size_t sender);
  msgapp::awaitable<bool> join_all();
  void add_results(report& r, bool& ok) const;

  const bench_context& ctx_;
  user_pool pool_;
  std::vector<std::unique_ptr<sender_state>> senders_;
  std::vector<sequence_checker> order_;  // per receiver
  wake_signal progress_;
  bool stopping_ = false;
  bool draining_ = false;
  bool shutting_down_ = false;
  std::size_t joined_ = 0;
  std::uint64_t expected_ = 0;  // lines the broadcasts sent so far should produce
  std::uint64_t delivered_ = 0;
  std::uint64_t replies_pending_ = 0;
  std::uint64_t self_echoes_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t bad_payloads_ = 0;
  std::uint64_t unexpected_closes_ = 0;
  latency_histogram latency_;
};

void fanout::stop() {
  stopping_ = true;
  for (auto& s : senders_)
    s->window_open.notify();
  progress_.notify();
}

void fanout::on_line(std::size_t user, bench_conn& conn, const parsed_line& line) {
  switch (line.kind) {
    case line_kind::group:
      if (auto msg = parse_payload(line.text); msg && msg->sender < senders_.size()) {
        on_delivery(user, conn, *msg);
      } else {
        ++bad_payloads_;
      }
      break;
    case line_kind::joined:
      if (++joined_ == ctx_.opts.users) progress_.notify();
      break;
    case line_kind::reply_ok:
    case line_kind::reply_error:
      if (line.kind == line_kind::reply_ok) {
        if (user < senders_.size()) ++senders_[user]->replies;
      } else {
        ++errors_;
        pool_.note_error(fmt::format("{}: {}", ctx_.user_name(user), line.text));
      }
      if (ctx_.adapter.replies_to_sends() && user < senders_.size() && replies_pending_ > 0)
        --replies_pending_;
      break;
    case line_kind::closing:
      ++errors_;
      pool_.note_error(fmt::format("{}: {}", ctx_.user_name(user), line.text));
      break;
    default:
      break;
  }
  if (draining_ && drained()) progress_.notify();
}

void fanout::on_delivery(std::size_t user, bench_conn& conn, const payload& msg) {
  if (msg.sender == user) {
    ++self_echoes_;  // not a delivery: a sender does not count its own broadcast
    return;
  }
  order_[user].accept(msg.sender, msg.seq);
  ++delivered_;
  latency_.record(conn.arrival_ns() - msg.sent_ns);
  auto& s = *senders_[msg.sender];
  const auto window = s.remaining.size();
  if (msg.seq >= s.oldest && msg.seq < s.sent) {
    auto& left = s.remaining[msg.seq % window];
    if (left > 0) --left;
    while (s.oldest < s.sent && s.remaining[s.oldest % window] == 0)
      ++s.oldest;
    if (s.waiting) s.window_open.notify();
  }
}

void fanout::on_closed(std::size_t user, asio::error_code ec) {
  if (shutting_down_ || pool_.timed_out()) return;
  ++unexpected_closes_;
  pool_.note_error(fmt::format("{} disconnected: {}", ctx_.user_name(user), ec.message()));
  stop();
}

msgapp::awaitable<void> fanout::broadcast_window(std::size_t sender) {
  auto& s = *senders_[sender];
  auto& conn = pool_.conn(sender);
  const auto& o = ctx_.opts;
  const auto window = s.remaining.size();
  std::string batch;
  std::string text;
  while (!stopping_ && (o.count == 0 || s.sent < o.count)) {
    if (s.sent - s.oldest >= window) {
      s.waiting = true;
      co_await s.window_open.wait();
      s.waiting = false;
      continue;
    }
    std::size_t n = window - (s.sent - s.oldest);
    if (o.count != 0) n = std::min<std::uint64_t>(n, o.count - s.sent);
    batch.clear();
    const auto now = now_ns();
    for (std::size_t i = 0; i < n; ++i) {
      s.remaining[s.sent % window] = static_cast<std::uint32_t>(receivers());
      text.clear();
      append_payload(text, payload{static_cast<std::uint32_t>(sender), s.sent++, now}, o.text_size);
      ctx_.adapter.append_group(batch, text);
    }
    expected_ += n * receivers();
    if (ctx_.adapter.replies_to_sends()) replies_pending_ += n;
    conn.send(batch);
  }
}

// IRC users must JOIN the channel; msgapp broadcasts reach every logged-in user already.
msgapp::awaitable<bool> fanout::join_all() {
  const std::string join = ctx_.adapter.join_group_line();
  if (join.empty()) co_return true;
  for (std::size_t u = 0; u < ctx_.opts.users; ++u)
    pool_.conn(u).send(join);
  while (joined_ < ctx_.opts.users && !pool_.timed_out() && !stopping_)
    co_await progress_.wait();
  co_return joined_ == ctx_.opts.users;
}

msgapp::awaitable<run_result> fanout::run() {
  const auto& o = ctx_.opts;
  run_result result;
  report_header(result.rep, ctx_, o.workload);
  pool_.arm_guard(bench_clock::now() + from_seconds(o.timeout_s));
  const std::size_t k = std::min(o.senders, o.users);
  for (std::size_t s = 0; s < k; ++s)
    senders_.push_back(std::make_unique<sender_state>(ctx_.ex, std::max<std::size_t>(o.window, 1)));
  order_.resize(o.users);
  result.rep.count("users", o.users);  // not protocol: a report key
  result.rep.count("senders", k);
  result.rep.count("window", o.window);
  result.rep.count("text_size", o.text_size);

  const std::size_t login_failures = co_await pool_.login_all(o.users, o.setup_concurrency);
  result.rep.count("login_failures", login_failures);
  task_group senders(ctx_.ex);
  bool joined = false;
  if (login_failures == 0 && !pool_.timed_out()) joined = co_await join_all();
  if (joined) {
    const auto before = take_sample(ctx_);
    for (std::size_t s = 0; s < k; ++s)
      senders.spawn(broadcast_window(s));
    const auto run_for = from_seconds(o.duration_s);
    co_await senders.wait_until(before.at + run_for);
    stop();
    const auto drain_deadline = bench_clock::now() + from_seconds(o.drain_s);
    co_await senders.wait_until(drain_deadline);
    draining_ = true;
    while (!drained() && !pool_.timed_out() && bench_clock::now() < drain_deadline)
      co_await progress_.wait_until(drain_deadline);
    const auto after = take_sample(ctx_);
    report_window(result.rep, before, after, delivered_, "line");
  }
  shutting_down_ = true;
  co_await pool_.shutdown();
  co_await senders.wait();
  bool ok = login_failures == 0 && joined && !pool_.timed_out();
  add_results(result.rep, ok);
  result.ok = ok;
  co_return result;
}

void fanout::add_results(report& r, bool& ok) const {
  std::uint64_t sent = 0, replies = 0, in_order = 0, duplicates = 0, gaps = 0;
  for (const auto& s : senders_) {
    sent += s->sent;
    replies += s->replies;
  }
  for (std::size_t u = 0; u < order_.size(); ++u) {
    for (std::size_t s = 0; s < senders_.size(); ++s)
      if (s != u) in_order += order_[u].next(static_cast<std::uint32_t>(s));
    duplicates += order_[u].duplicates();
    gaps += order_[u].gaps();
  }
  const bool exact = sent > 0 && in_order == expected_ && delivered_ == expected_ &&
                     duplicates == 0 && gaps == 0 && bad_payloads_ == 0;
  r.count("broadcasts_sent", sent);
  r.count("lines_expected", expected_);
  r.count("lines_delivered", delivered_);
  r.count("lost", expected_ - std::min(expected_, delivered_));
  r.count("duplicates", duplicates);
  r.count("reordered_or_gaps", gaps);
  r.count("bad_payloads", bad_payloads_);
  r.count("self_echoes", self_echoes_);
  if (ctx_.adapter.replies_to_sends()) r.count("replies", replies);
  r.count("errors", errors_);
  r.count("unexpected_closes", unexpected_closes_);
  r.latency("latency", latency_);
  r.flag("exactly_once_in_order", exact);
  ok = ok && exact && errors_ == 0 && unexpected_closes_ == 0 &&
       (!ctx_.adapter.replies_to_sends() || replies == sent);
  r.outcome(ok, pool_.first_error());
}

}  // namespace

msgapp::awaitable<run_result> run_fanout(bench_context ctx) {
  fanout f(ctx);
  co_return co_await f.run();
}

}  // namespace msgbench
