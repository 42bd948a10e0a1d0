// Offline messages: S senders queue for S users who are away, who then log in with receipts and
// drain their queues; durable messages per second both ways, each message checked exactly once.
#include "measure.hpp"
#include "payload.hpp"
#include "queue_drain.hpp"
#include "user_pool.hpp"
#include "workloads.hpp"

#include <msgapp/protocol/reply.hpp>

#include <fmt/format.h>

#include <deque>
#include <memory>
#include <vector>

namespace msgbench {
namespace {

namespace proto = msgapp::protocol;

// Sender i (user i) queues for recipient i (user S+i), who stays offline until phase 2.
class offline_run final : public line_sink {
 public:
  explicit offline_run(const bench_context& ctx)
      : ctx_(ctx), pool_(ctx, *this), progress_(ctx.ex) {}

  msgapp::awaitable<run_result> run();

  void on_line(std::size_t user, bench_conn& conn, const parsed_line& line) override;
  void on_closed(std::size_t user, asio::error_code ec) override;
  void on_abort() override;

 private:
  struct sender_state {
    explicit sender_state(const asio::any_io_executor& ex) : window_open(ex) {}
    std::string to;
    std::uint64_t sent = 0;
    std::uint64_t queued = 0;
    std::deque<std::int64_t> sent_ns;  // of the unanswered messages: at most --window
    bool waiting = false;
    wake_signal window_open;
  };
  void fail(std::string why) {
    ++errors_;
    pool_.note_error(std::move(why));
  }
  void stop_sending();
  msgapp::awaitable<void> send_window(std::size_t i);
  msgapp::awaitable<void> drain(std::size_t i);
  msgapp::awaitable<void> watch_drain();
  std::uint64_t drain_progress() const;
  void close_recipients();
  void add_results(report& r, bool& ok) const;

  const bench_context& ctx_;
  user_pool pool_;  // the senders; recipients log in on their own, with receipts
  std::vector<std::unique_ptr<sender_state>> senders_;
  std::vector<std::unique_ptr<queue_drain>> recipients_;  // phase 2
  wake_signal progress_;  // one waiter: run() in phase 1, watch_drain() in phase 2
  bool stopping_ = false;
  bool shutting_down_ = false;  // closes from now on are ours
  bool draining_ = false;
  std::size_t drains_running_ = 0;
  std::uint64_t unanswered_ = 0;
  std::uint64_t queued_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t unexpected_closes_ = 0;
  latency_histogram queue_latency_;  // send to `ok queued`: what durability costs a sender
};

void offline_run::stop_sending() {
  stopping_ = true;
  for (auto& s : senders_)
    s->window_open.notify();
  progress_.notify();
}

void offline_run::on_abort() {
  stop_sending();
  close_recipients();
}

void offline_run::close_recipients() {
  for (auto& r : recipients_)
    r->close();
}

void offline_run::on_line(std::size_t user, bench_conn& conn, const parsed_line& line) {
  auto& s = *senders_[user];
  if (line.kind == line_kind::reply_ok) {
    const auto reply = proto::parse_ok_text(line.text);
    const auto* queued = reply ? std::get_if<proto::queued_reply>(&*reply) : nullptr;
    if (queued && queued->to == s.to) {
      ++s.queued;
      ++queued_;
      if (!s.sent_ns.empty()) queue_latency_.record(conn.arrival_ns() - s.sent_ns.front());
    } else {
      fail(fmt::format("{}: not queued: {}", ctx_.user_name(user), line.text));
    }
  } else if (line.kind == line_kind::reply_error) {
    fail(fmt::format("{}: {}", ctx_.user_name(user), line.text));
  } else {
    if (line.kind == line_kind::closing)
      fail(fmt::format("{}: {}", ctx_.user_name(user), line.text));
    return;  // presence and the like: no answer to a send
  }
  if (!s.sent_ns.empty()) s.sent_ns.pop_front();
  if (unanswered_ > 0) --unanswered_;
  if (s.waiting) s.window_open.notify();
  if (stopping_ && unanswered_ == 0) progress_.notify();
}

void offline_run::on_closed(std::size_t user, asio::error_code ec) {
  if (shutting_down_ || pool_.timed_out()) return;
  ++unexpected_closes_;
  pool_.note_error(fmt::format("{} disconnected: {}", ctx_.user_name(user), ec.message()));
  stop_sending();
}

msgapp::awaitable<void> offline_run::send_window(std::size_t i) {
  auto& s = *senders_[i];
  auto& conn = pool_.conn(i);
  const auto& o = ctx_.opts;
  std::string batch;
  std::string text;
  while (!stopping_ && (o.count == 0 || s.sent < o.count)) {
    if (s.sent_ns.size() >= o.window) {
      s.waiting = true;
      co_await s.window_open.wait();
      s.waiting = false;
      continue;
    }
    // The whole free window in one write, as relay does: the generator stays cheap.
    std::size_t n = o.window - s.sent_ns.size();
    if (o.count != 0) n = std::min<std::uint64_t>(n, o.count - s.sent);
    batch.clear();
    const auto now = now_ns();
    for (std::size_t k = 0; k < n; ++k) {
      text.clear();
      append_payload(text, payload{static_cast<std::uint32_t>(i), s.sent++, now}, o.text_size);
      ctx_.adapter.append_direct(batch, s.to, text);
      s.sent_ns.push_back(now);
    }
    unanswered_ += n;
    conn.send(batch);
  }
}

msgapp::awaitable<void> offline_run::drain(std::size_t i) {
  const std::string why = co_await recipients_[i]->run();
  if (!why.empty() && !pool_.timed_out())
    fail(fmt::format("{}: {}", ctx_.user_name(senders_.size() + i), why));
  if (--drains_running_ == 0) progress_.notify();
}

std::uint64_t offline_run::drain_progress() const {
  std::uint64_t n = 0;
  for (const auto& r : recipients_)
    n += r->drained() + r->confirms();
  return n;
}

// A queue that stops arriving (a lost message, a stuck page) ends phase 2 after --drain
// seconds without progress instead of at --timeout.
msgapp::awaitable<void> offline_run::watch_drain() {
  const auto quiet = from_seconds(ctx_.opts.drain_s);
  std::uint64_t seen = drain_progress();
  while (drains_running_ > 0) {
    co_await progress_.wait_until(bench_clock::now() + quiet);
    if (drains_running_ == 0 || pool_.timed_out()) break;
    if (drain_progress() == seen) {
      fail(fmt::format("drain stalled: nothing arrived for {} s", ctx_.opts.drain_s));
      close_recipients();
      break;
    }
    seen = drain_progress();
  }
}

// Phase 2's window, in the keys of report_window with a drain prefix.
void report_drain(report& r, const window_sample& before, const window_sample& after,
                  std::uint64_t drained) {
  const double elapsed = seconds_between(before.at, after.at);
  r.number("drain_elapsed_s", elapsed, 3);
  r.number("drained_msgs_per_s", elapsed > 0 ? static_cast<double>(drained) / elapsed : 0, 0);
  if (before.server.valid && after.server.valid) {
    const double cpu_us = static_cast<double>(after.server.cpu_ns - before.server.cpu_ns) / 1e3;
    r.number("drain_server_cpu_us", cpu_us, 0);
    r.number("server_cpu_us_per_drained_msg",
             drained > 0 ? cpu_us / static_cast<double>(drained) : NAN, 3);
    r.number("drain_server_cpu_pct", elapsed > 0 ? cpu_us / 1e4 / elapsed : 0, 1);
    r.count("drain_server_rss_kib", static_cast<std::uint64_t>(after.server.rss_kib));
  }
  const double client_us = static_cast<double>(after.client_cpu_ns - before.client_cpu_ns) / 1e3;
  r.number("drain_client_cpu_pct", elapsed > 0 ? client_us / 1e4 / elapsed : 0, 1);
}

msgapp::awaitable<run_result> offline_run::run() {
  const auto& o = ctx_.opts;
  run_result result;
  report_header(result.rep, ctx_, o.workload);
  pool_.arm_guard(bench_clock::now() + from_seconds(o.timeout_s));
  for (std::size_t i = 0; i < o.senders; ++i) {
    senders_.push_back(std::make_unique<sender_state>(ctx_.ex));
    senders_.back()->to = ctx_.user_name(o.senders + i);
  }
  result.rep.count("senders", o.senders);
  result.rep.count("window", o.window);
  result.rep.count("text_size", o.text_size);

  const std::size_t login_failures = co_await pool_.login_all(o.senders, o.setup_concurrency);
  result.rep.count("login_failures", login_failures);
  task_group senders(ctx_.ex);
  task_group drains(ctx_.ex);
  if (login_failures == 0 && !pool_.timed_out()) {
    // Phase 1: queue for --duration, then wait up to --drain for the last replies.
    const auto before = take_sample(ctx_);
    if (before.server.valid) result.rep.count("server_rss_before_kib", before.server.rss_kib);
    for (std::size_t i = 0; i < o.senders; ++i)
      senders.spawn(send_window(i));
    co_await senders.wait_until(before.at + from_seconds(o.duration_s));
    stop_sending();
    const auto reply_deadline = bench_clock::now() + from_seconds(o.drain_s);
    co_await senders.wait_until(reply_deadline);
    while (unanswered_ > 0 && !pool_.timed_out() && bench_clock::now() < reply_deadline)
      co_await progress_.wait_until(reply_deadline);
    const auto queued_at = take_sample(ctx_);
    report_window(result.rep, before, queued_at, queued_, "queued_msg");
    result.rep.latency("queue_latency", queue_latency_);

    // Phase 2: every recipient logs in at once and reads its whole queue (also after refusals:
    // what was queued must still arrive).
    if (unanswered_ == 0 && !pool_.timed_out()) {
      draining_ = true;
      drains_running_ = o.senders;
      for (std::size_t i = 0; i < o.senders; ++i)
        recipients_.push_back(
            std::make_unique<queue_drain>(ctx_, o.senders + i, i, senders_[i]->queued));
      for (std::size_t i = 0; i < o.senders; ++i)
        drains.spawn(drain(i));
      co_await watch_drain();
      co_await drains.wait();
      std::uint64_t drained = 0;
      for (const auto& r : recipients_)
        drained += r->drained();
      report_drain(result.rep, queued_at, take_sample(ctx_), drained);
    }
  }
  shutting_down_ = true;
  co_await pool_.shutdown();
  co_await senders.wait();
  bool ok = login_failures == 0 && !pool_.timed_out() && draining_;
  add_results(result.rep, ok);
  result.ok = ok;
  co_return result;
}

void offline_run::add_results(report& r, bool& ok) const {
  std::uint64_t sent = 0, drained = 0, in_order = 0, duplicates = 0, gaps = 0, bad = 0;
  std::uint64_t confirms = 0;
  for (const auto& s : senders_)
    sent += s->sent;
  for (const auto& d : recipients_) {  // empty when phase 2 did not run
    drained += d->drained();
    in_order += d->in_order();
    duplicates += d->duplicates();
    gaps += d->gaps();
    bad += d->bad_payloads();
    confirms += d->confirms();
  }
  const bool exact = queued_ > 0 && queued_ == sent && in_order == queued_ && drained == queued_ &&
                     duplicates == 0 && gaps == 0 && bad == 0;
  r.count("sent", sent);
  r.count("queued", queued_);
  r.count("drained", drained);
  r.count("lost", queued_ - std::min(queued_, in_order));
  r.count("duplicates", duplicates);
  r.count("reordered_or_gaps", gaps);
  r.count("bad_payloads", bad);
  r.count("confirms", confirms);
  r.count("errors", errors_);
  r.count("unexpected_closes", unexpected_closes_);
  r.flag("exactly_once_in_order", exact);
  ok = ok && exact && errors_ == 0 && unexpected_closes_ == 0;
  r.outcome(ok, pool_.first_error());
}

}  // namespace

msgapp::awaitable<run_result> run_offline(bench_context ctx) {
  offline_run run(ctx);
  co_return co_await run.run();
}

}  // namespace msgbench
