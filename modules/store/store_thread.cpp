// The store thread: takes everything queued (group commit), applies it in one transaction,
// and posts the outcomes to the hub's executor.
#include "msgapp/store/store_thread.hpp"

#include <iterator>

namespace msgapp::store {

store_thread::store_thread(std::unique_ptr<backend> db, net::any_io_executor results_ex,
                           results_handler on_results)
    : db_(std::move(db)),
      results_ex_(std::move(results_ex)),
      on_results_(std::move(on_results)),
      thread_([this] { run(); }) {}

store_thread::~store_thread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void store_thread::submit(batch b) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(b));
  }
  wake_.notify_one();
}

store_stats store_thread::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void store_thread::run() {
  std::vector<batch> group;
  for (;;) {
    group.clear();
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to apply
      group.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
    }
    auto outcomes = db_->apply(group);
    {
      std::lock_guard lock(mutex_);
      stats_.batches += group.size();
      stats_.transactions += 1;
    }
    // A copy of the handler travels with the outcomes: the posted work must not need `this`,
    // which may be gone by the time the hub's executor runs it.
    auto deliver = [handler = on_results_, outcomes = std::move(outcomes)]() mutable {
      handler(std::move(outcomes));
    };
    net::post(results_ex_, std::move(deliver));
  }
}

}  // namespace msgapp::store
