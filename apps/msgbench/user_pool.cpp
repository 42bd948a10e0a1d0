// A workload's logged-in users: bounded-concurrency login, one reader each, a guard, and teardown.
#include "user_pool.hpp"

#include <fmt/format.h>

namespace msgbench {

user_pool::user_pool(const bench_context& ctx, line_sink& sink)
    : ctx_(ctx), sink_(sink), guard_timer_(ctx.ex), tasks_(ctx.ex) {}

msgapp::awaitable<std::size_t> user_pool::login_range(std::size_t first, std::size_t last,
                                                      std::size_t concurrency) {
  if (conns_.size() < last) conns_.resize(last);
  next_login_ = first;
  failed_ = 0;
  // A fixed number of workers pulling the next user keeps the logins in flight bounded;
  // ngircd's listen backlog of 10 loses connections beyond that.
  task_group workers(ctx_.ex);
  for (std::size_t w = 0; w < std::max<std::size_t>(1, std::min(concurrency, last - first)); ++w)
    workers.spawn(login_worker(last));
  co_await workers.wait();
  co_return failed_;
}

msgapp::awaitable<void> user_pool::login_worker(std::size_t n) {
  while (next_login_ < n && !timed_out_) {
    const std::size_t user = next_login_++;
    auto conn = std::make_shared<bench_conn>(ctx_.ex, ctx_.tls.get());
    conns_[user] = conn;
    const auto start = bench_clock::now();
    const auto target = is_receiver_ && is_receiver_(user) ? ctx_.receiver_target : ctx_.target;
    if (auto ec =
            co_await conn->connect(target, user == small_buffer_user_ ? small_buffer_bytes_ : 0)) {
      ++failed_;
      note_error(fmt::format("connect {}: {}", ctx_.user_name(user), ec.message()));
      conn->close();
      continue;
    }
    std::string name = ctx_.user_name(user);
    std::string password = ctx_.opts.password;
    std::string why = co_await ctx_.adapter.login(*conn, std::move(name), std::move(password));
    if (!why.empty()) {
      ++failed_;
      note_error(fmt::format("login {}: {}", ctx_.user_name(user), why));
      conn->close();
      continue;
    }
    sink_.on_logged_in(user, bench_clock::now() - start);
    tasks_.spawn(read_lines(conn, user));
  }
}

msgapp::awaitable<void> user_pool::read_lines(std::shared_ptr<bench_conn> conn, std::size_t user) {
  std::string pong;
  for (;;) {
    while (auto line = conn->next_buffered_line()) {
      const auto parsed = ctx_.adapter.parse(*line);
      if (parsed.kind == line_kind::ping) {
        pong.clear();
        ctx_.adapter.append_pong(pong, parsed.text);
        conn->send(pong);
      } else {
        sink_.on_line(user, *conn, parsed);
      }
    }
    while (conn->reading_paused && conn->is_open())
      co_await conn->reading_resumed.wait();
    if (auto ec = co_await conn->fill()) {
      sink_.on_closed(user, ec);
      co_return;
    }
  }
}

void user_pool::arm_guard(bench_clock::time_point deadline) {
  tasks_.spawn(guard(deadline));
}

msgapp::awaitable<void> user_pool::guard(bench_clock::time_point deadline) {
  guard_timer_.expires_at(deadline);
  auto [ec] = co_await guard_timer_.async_wait(msgapp::use_nothrow);
  if (ec) co_return;  // cancelled by shutdown(): the run ended in time
  timed_out_ = true;
  note_error("run timed out (--timeout)");
  for (auto& conn : conns_)
    if (conn) conn->close();
  sink_.on_abort();
}

msgapp::awaitable<void> user_pool::shutdown() {
  guard_timer_.cancel();
  for (auto& conn : conns_)
    if (conn) conn->close();
  co_await tasks_.wait();
}

void user_pool::note_error(std::string why) {
  if (first_error_.empty()) first_error_ = std::move(why);
}

}  // namespace msgbench
