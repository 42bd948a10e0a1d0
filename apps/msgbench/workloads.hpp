// The workloads msgbench can run; each returns its report and whether the run was correct.
#pragma once

#include "bench_context.hpp"
#include "stats.hpp"

namespace msgbench {

struct run_result {
  report rep;
  bool ok = false;  // every message delivered exactly once, in order; no failures
};

// relay, ping and slowreader: P pairs, sender 2p to receiver 2p+1, W messages in flight each.
msgapp::awaitable<run_result> run_relay(bench_context ctx);
// fanout: N users in one group, the first K broadcast with W messages in flight each.
msgapp::awaitable<run_result> run_fanout(bench_context ctx);
// idle: C logged-in connections that say nothing; server RSS per connection.
msgapp::awaitable<run_result> run_idle(bench_context ctx);
// login: connect, log in, log out, close, with a bounded number in flight.
msgapp::awaitable<run_result> run_login_storm(bench_context ctx);
// offline: S senders queue W in flight each for S users who are offline; those users then log
// in with receipts and drain their queues, confirming as they go (msgapp only).
msgapp::awaitable<run_result> run_offline(bench_context ctx);
// presence-storm: K users online, then N log in with F in flight while everyone counts the
// presence lines each later login brings (msgapp only).
msgapp::awaitable<run_result> run_presence_storm(bench_context ctx);
// soak: chatters and hostile clients for a fixed time, then checks that the server is whole
// (alive, exactly-once delivery, RSS and file descriptors back); returns the exit status.
msgapp::awaitable<int> run_soak(bench_context ctx);
// smoke: short relay and fanout runs for CI; returns the process exit status.
msgapp::awaitable<int> run_smoke(bench_context ctx);

}  // namespace msgbench
