// Pairs relaying direct messages: the relay, ping and slowreader workloads.
#include "measure.hpp"
#include "payload.hpp"
#include "user_pool.hpp"
#include "workloads.hpp"

#include <fmt/format.h>
#include <msgapp/net/sleep.hpp>

#include <memory>
#include <vector>

namespace msgbench {
namespace {

using namespace std::chrono_literals;

constexpr int slow_receive_buffer = 16 * 1024;

// Sender 2p talks to receiver 2p+1. In slowreader, pair 0 is the one that misbehaves: its
// receiver stops reading and its sender floods it; it is left out of every figure but its own.
class pair_relay final : public line_sink {
 public:
  explicit pair_relay(const bench_context& ctx) : ctx_(ctx), pool_(ctx, *this), progress_(ctx.ex) {}

  msgapp::awaitable<run_result> run();

  void on_line(std::size_t user, bench_conn& conn, const parsed_line& line) override;
  void on_closed(std::size_t user, asio::error_code ec) override;
  void on_abort() override { stop(); }

 private:
  struct pair_state {
    explicit pair_state(const asio::any_io_executor& ex) : window_open(ex) {}
    std::uint64_t sent = 0;
    std::uint64_t delivered = 0;
    std::uint64_t replies = 0;
    std::size_t outstanding = 0;  // sent, not yet seen by the receiver
    bool waiting = false;
    sequence_checker order;
    wake_signal window_open;
  };

  bool measured(std::size_t pair) const { return !(ctx_.opts.slow && pair == 0); }
  std::size_t flooder() const { return 2 * ctx_.opts.pairs; }  // the user after the pairs
  bool drained() const { return outstanding_ == 0 && replies_pending_ == 0; }
  void stop();
  msgapp::awaitable<void> send_window(std::size_t pair);
  msgapp::awaitable<void> flood_slow_reader();
  msgapp::awaitable<void> flood_broadcasts();
  msgapp::awaitable<void> wait_for_slow_close(bench_clock::time_point deadline);
  void add_results(report& r, bool& ok) const;

  const bench_context& ctx_;
  user_pool pool_;
  std::vector<std::unique_ptr<pair_state>> pairs_;
  wake_signal progress_;  // run() waits on it while draining
  bool stopping_ = false;
  bool draining_ = false;
  bool shutting_down_ = false;         // closes from now on are ours
  std::uint64_t outstanding_ = 0;      // over the measured pairs
  std::uint64_t replies_pending_ = 0;  // msgapp: sends not yet answered
  std::uint64_t delivered_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t bad_payloads_ = 0;
  std::uint64_t unexpected_closes_ = 0;
  latency_histogram latency_;
  // slowreader
  std::uint64_t flood_sent_ = 0;
  std::uint64_t flood_errors_ = 0;
  std::uint64_t slow_lines_drained_ = 0;
  bool slow_closed_ = false;
  bench_clock::time_point measuring_since_{};
  double slow_left_after_s_ = -1;  // msgapp announces the cut-off as presence "logged out"
  // --flooder
  std::uint64_t broadcasts_sent_ = 0;
  std::uint64_t broadcast_replies_ = 0;
  std::uint64_t broadcast_errors_ = 0;
  bool flooder_closed_ = false;
};

void pair_relay::stop() {
  stopping_ = true;
  for (auto& p : pairs_)
    p->window_open.notify();
  progress_.notify();
}

void pair_relay::on_line(std::size_t user, bench_conn& conn, const parsed_line& line) {
  if (ctx_.opts.flooder && user == flooder()) {
    if (line.kind == line_kind::reply_ok) ++broadcast_replies_;
    if (line.kind == line_kind::reply_error) ++broadcast_errors_;
    return;
  }
  const std::size_t pair = user / 2;
  auto& p = *pairs_[pair];
  const bool receiver = user % 2 == 1;
  if (line.kind == line_kind::left && line.text == ctx_.user_name(1) && slow_left_after_s_ < 0 &&
      ctx_.opts.slow)
    slow_left_after_s_ = seconds_between(measuring_since_, bench_clock::now());
  if (!measured(pair)) {
    if (receiver) ++slow_lines_drained_;
    if (!receiver && line.kind == line_kind::reply_error) ++flood_errors_;
    return;
  }
  if (receiver && line.kind == line_kind::direct) {
    const auto msg = parse_payload(line.text);
    if (!msg || msg->sender != pair) {
      ++bad_payloads_;
      return;
    }
    p.order.accept(msg->sender, msg->seq);
    ++p.delivered;
    ++delivered_;
    latency_.record(conn.arrival_ns() - msg->sent_ns);
    if (p.outstanding > 0) {
      --p.outstanding;
      --outstanding_;
    }
    if (p.waiting) p.window_open.notify();
  } else if (!receiver &&
             (line.kind == line_kind::reply_ok || line.kind == line_kind::reply_error)) {
    if (line.kind == line_kind::reply_ok) {
      ++p.replies;
    } else {
      ++errors_;
      pool_.note_error(fmt::format("{}: {}", ctx_.user_name(user), line.text));
    }
    if (ctx_.adapter.replies_to_sends() && replies_pending_ > 0) --replies_pending_;
  } else if (line.kind == line_kind::reply_error || line.kind == line_kind::closing) {
    ++errors_;
    pool_.note_error(fmt::format("{}: {}", ctx_.user_name(user), line.text));
  }
  if (draining_ && drained()) progress_.notify();
}

void pair_relay::on_closed(std::size_t user, asio::error_code ec) {
  if (shutting_down_ || pool_.timed_out()) return;
  if (ctx_.opts.flooder && user == flooder()) {
    flooder_closed_ = true;  // cut off: the others must not be
    return;
  }
  if (!measured(user / 2)) {
    if (user == 1) {
      slow_closed_ = true;
      progress_.notify();
    }
    return;
  }
  ++unexpected_closes_;
  pool_.note_error(fmt::format("{} disconnected: {}", ctx_.user_name(user), ec.message()));
  stop();
}

msgapp::awaitable<void> pair_relay::send_window(std::size_t pair) {
  auto& p = *pairs_[pair];
  auto& conn = pool_.conn(2 * pair);
  const std::string to = ctx_.user_name(2 * pair + 1);
  const auto& o = ctx_.opts;
  std::string batch;
  std::string text;
  while (!stopping_ && (o.count == 0 || p.sent < o.count)) {
    if (p.outstanding >= o.window) {
      p.waiting = true;
      co_await p.window_open.wait();
      p.waiting = false;
      continue;
    }
    // Fill the whole window in one write: the generator must stay cheaper than the server.
    std::size_t n = o.window - p.outstanding;
    if (o.count != 0) n = std::min<std::uint64_t>(n, o.count - p.sent);
    batch.clear();
    const auto now = now_ns();
    for (std::size_t i = 0; i < n; ++i) {
      text.clear();
      append_payload(text, payload{static_cast<std::uint32_t>(pair), p.sent++, now}, o.text_size);
      ctx_.adapter.append_direct(batch, to, text);
    }
    p.outstanding += n;
    outstanding_ += n;
    if (ctx_.adapter.replies_to_sends()) replies_pending_ += n;
    conn.send(batch);
    if (o.interval_ms > 0) co_await msgapp::sleep_for(std::chrono::milliseconds(o.interval_ms));
  }
}

msgapp::awaitable<void> pair_relay::flood_broadcasts() {
  auto& conn = pool_.conn(flooder());
  std::string batch;
  const std::string text(ctx_.opts.text_size, 'f');
  // As fast as the server reads from us: the next batch goes once the last one is written.
  while (!stopping_ && conn.is_open()) {
    batch.clear();
    for (int i = 0; i < 64; ++i)
      ctx_.adapter.append_group(batch, text);
    broadcasts_sent_ += 64;
    conn.send(batch);
    co_await conn.wait_written();
  }
}

msgapp::awaitable<void> pair_relay::flood_slow_reader() {
  auto& conn = pool_.conn(0);
  const std::string to = ctx_.user_name(1);
  std::string batch;
  std::string text;
  // As fast as the server reads from us: the next batch goes once the last one is written.
  while (!stopping_ && conn.is_open()) {
    batch.clear();
    const auto now = now_ns();
    for (int i = 0; i < 64; ++i) {
      text.clear();
      append_payload(text, payload{0, flood_sent_++, now}, ctx_.opts.text_size);
      ctx_.adapter.append_direct(batch, to, text);
    }
    conn.send(batch);
    co_await conn.wait_written();
  }
}

msgapp::awaitable<void> pair_relay::wait_for_slow_close(bench_clock::time_point deadline) {
  auto& slow = pool_.conn(1);
  slow.reading_paused = false;
  slow.reading_resumed.notify();
  while (!slow_closed_ && !pool_.timed_out() && bench_clock::now() < deadline)
    co_await progress_.wait_until(deadline);
}

msgapp::awaitable<run_result> pair_relay::run() {
  const auto& o = ctx_.opts;
  run_result result;
  report_header(result.rep, ctx_, o.workload);
  pool_.arm_guard(bench_clock::now() + from_seconds(o.timeout_s));
  for (std::size_t p = 0; p < o.pairs; ++p)
    pairs_.push_back(std::make_unique<pair_state>(ctx_.ex));
  result.rep.count("pairs", o.pairs);
  result.rep.count("window", o.window);
  result.rep.count("text_size", o.text_size);
  if (o.receiver_port != 0) {
    result.rep.count("receiver_port", o.receiver_port);
    const std::size_t receivers_end = 2 * o.pairs;
    pool_.set_receivers(
        [receivers_end](std::size_t user) { return user % 2 == 1 && user < receivers_end; });
  }

  // A small receive buffer on the slow reader: otherwise the kernel's (up to 6 MB on
  // loopback) hides for a long time whether the server bounds what it queues for a client.
  if (o.slow) pool_.set_receive_buffer(1, slow_receive_buffer);
  const std::size_t login_failures =
      co_await pool_.login_all(2 * o.pairs + (o.flooder ? 1 : 0), o.setup_concurrency);
  result.rep.count("login_failures", login_failures);
  task_group senders(ctx_.ex);
  task_group flood(ctx_.ex);  // not waited for before draining: the server may stop reading it
  if (login_failures == 0 && !pool_.timed_out()) {
    if (o.slow) pool_.conn(1).reading_paused = true;
    const auto before = take_sample(ctx_);
    measuring_since_ = before.at;
    for (std::size_t p = 0; p < o.pairs; ++p) {
      if (measured(p)) {
        senders.spawn(send_window(p));
      } else {
        flood.spawn(flood_slow_reader());
      }
    }
    if (o.flooder) flood.spawn(flood_broadcasts());
    const auto run_for = from_seconds(o.duration_s);
    co_await senders.wait_until(before.at + run_for);
    stop();
    const auto drain_for = from_seconds(o.drain_s);
    const auto drain_deadline = bench_clock::now() + drain_for;
    co_await senders.wait_until(drain_deadline);
    draining_ = true;
    while (!drained() && !pool_.timed_out() && bench_clock::now() < drain_deadline)
      co_await progress_.wait_until(drain_deadline);
    const auto after = take_sample(ctx_);
    report_window(result.rep, before, after, delivered_, "msg");  // not protocol: a report key
    if (o.slow) co_await wait_for_slow_close(bench_clock::now() + 3s);
  }
  shutting_down_ = true;
  co_await pool_.shutdown();
  co_await senders.wait();
  co_await flood.wait();
  bool ok = login_failures == 0 && !pool_.timed_out();
  add_results(result.rep, ok);
  result.ok = ok;
  co_return result;
}

void pair_relay::add_results(report& r, bool& ok) const {
  const auto& o = ctx_.opts;
  std::uint64_t sent = 0, in_order = 0, duplicates = 0, gaps = 0, replies = 0;
  for (std::size_t p = 0; p < pairs_.size(); ++p) {
    if (!measured(p)) continue;
    sent += pairs_[p]->sent;
    in_order += pairs_[p]->order.next(static_cast<std::uint32_t>(p));
    duplicates += pairs_[p]->order.duplicates();
    gaps += pairs_[p]->order.gaps();
    replies += pairs_[p]->replies;
  }
  const bool exact = sent > 0 && in_order == sent && delivered_ == sent && duplicates == 0 &&
                     gaps == 0 && bad_payloads_ == 0;
  r.count("sent", sent);
  r.count("delivered", delivered_);
  r.count("lost", sent - std::min(sent, delivered_));
  r.count("duplicates", duplicates);
  r.count("reordered_or_gaps", gaps);
  r.count("bad_payloads", bad_payloads_);
  if (ctx_.adapter.replies_to_sends()) r.count("replies", replies);
  r.count("errors", errors_);
  r.count("unexpected_closes", unexpected_closes_);
  r.latency("latency", latency_);
  r.flag("exactly_once_in_order", exact);
  if (o.flooder) {
    r.count("flood_broadcasts_sent", broadcasts_sent_);
    r.count("flood_broadcast_replies", broadcast_replies_);
    r.count("flood_broadcast_errors", broadcast_errors_);
    r.flag("flooder_cut_off", flooder_closed_);
  }
  if (o.slow) {
    r.count("slow_flood_sent", flood_sent_);
    r.count("slow_flood_errors", flood_errors_);
    r.count("slow_lines_read_after", slow_lines_drained_);
    r.flag("slow_cut_off", slow_closed_);
    if (slow_left_after_s_ >= 0) r.number("slow_cut_off_after_s", slow_left_after_s_, 3);
  }
  ok = ok && exact && errors_ == 0 && unexpected_closes_ == 0 &&
       (!ctx_.adapter.replies_to_sends() || replies == sent);
  r.outcome(ok, pool_.first_error());
}

}  // namespace

msgapp::awaitable<run_result> run_relay(bench_context ctx) {
  pair_relay relay(ctx);
  co_return co_await relay.run();
}

}  // namespace msgbench
