// The thread that owns a backend: the hub hands it batches and goes on serving; results come
// back on the hub's own executor, never through its bounded inbox.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <msgapp/net.hpp>

#include "msgapp/store/backend.hpp"

namespace msgapp::store {

// Counters for benchmarks and tests (read on any thread).
struct store_stats {
  std::uint64_t batches = 0;       // applied
  std::uint64_t transactions = 0;  // one per group of batches: the commits (and syncs)
};

class store_thread {
 public:
  using results_handler = std::function<void(std::vector<outcome>)>;

  // `on_results` runs on `results_ex` (the hub's), once per transaction, with the outcomes of
  // every batch in it, in ticket order.
  store_thread(std::unique_ptr<backend> db, net::any_io_executor results_ex,
               results_handler on_results);
  // Applies everything already submitted, then joins the thread.
  ~store_thread();
  store_thread(const store_thread&) = delete;
  store_thread& operator=(const store_thread&) = delete;

  // Never waits for the disk: queues the batch (under a mutex held for a push) and returns.
  // Everything submitted while a transaction is committing goes into the next one together.
  void submit(batch b);

  store_stats stats() const;

 private:
  void run();

  std::unique_ptr<backend> db_;
  net::any_io_executor results_ex_;
  results_handler on_results_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<batch> queue_;  // bounded by the hub (config::store_backlog)
  bool stopping_ = false;
  store_stats stats_;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace msgapp::store
