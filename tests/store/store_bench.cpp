// store_bench: offline messages per second with durability, one message per batch submitted
// from one thread as fast as a bounded backlog allows, at synchronous=NORMAL and FULL; with a
// backlog of 1 every message waits for its own commit (the cost of one transaction).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include <msgapp/store/sqlite.hpp>
#include <msgapp/store/store_thread.hpp>

namespace {

namespace fs = std::filesystem;
namespace store = msgapp::store;
using clock_type = std::chrono::steady_clock;

constexpr auto run_time = std::chrono::milliseconds(2000);

// `backlog`: batches in flight, as the hub's store_backlog bounds them.
int measure(store::sync_mode sync, const char* name, std::uint64_t backlog) {
  const auto dir = fs::temp_directory_path() / fmt::format("msgapp-store-bench-{}", ::getpid());
  fs::remove_all(dir);
  store::sqlite_options options;
  options.data_dir = dir;
  options.sync = sync;
  auto db = store::open_sqlite(options);
  if (!db) {
    fmt::print(stderr, "store_bench: {}\n", db.error());
    return 1;
  }

  msgapp::net::io_context io;
  auto guard = msgapp::net::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });
  std::mutex mutex;
  std::condition_variable done_cv;
  std::uint64_t done = 0, failed = 0;
  auto on_results = [&](std::vector<store::outcome> outcomes) {
    std::lock_guard lock(mutex);
    for (const auto& o : outcomes)
      failed += o.results ? 0 : 1;
    done += outcomes.size();
    done_cv.notify_one();
  };

  std::uint64_t submitted = 0;
  store::store_stats stats;
  const auto start = clock_type::now();
  {
    store::store_thread thread(std::move(*db), io.get_executor(), on_results);
    const std::string text(64, 'm');
    while (clock_type::now() - start < run_time) {
      {
        std::unique_lock lock(mutex);
        done_cv.wait(lock, [&] { return submitted - done < backlog; });
      }
      store::enqueue_message m{"bob", "alice", 1, text};
      thread.submit(store::batch{++submitted, {m}});
    }
    std::unique_lock lock(mutex);
    done_cv.wait(lock, [&] { return done == submitted; });
    stats = thread.stats();
  }
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  guard.reset();
  io_thread.join();
  fs::remove_all(dir);

  fmt::print(
      "sync={:<6} backlog={:<4} messages={:>8} failed={} seconds={:.2f} messages/s={:>9.0f} "
      "transactions={} transactions/message={:.4f}\n",
      name, backlog, submitted, failed, seconds, static_cast<double>(submitted) / seconds,
      stats.transactions, static_cast<double>(stats.transactions) / static_cast<double>(submitted));
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main() {
  int failures = 0;
  for (const std::uint64_t backlog : {4096, 1}) {
    failures += measure(store::sync_mode::normal, "normal", backlog);
    failures += measure(store::sync_mode::full, "full", backlog);
  }
  return failures == 0 ? 0 : 1;
}
