// The hash-checking pool: workers take jobs from a bounded queue and post each verdict back
// to the executor of the coroutine that asked.
#include "msgapp/server/password_check.hpp"

#include <memory>

#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

namespace msgapp::server {
namespace {

// Workers run at a lower priority (Linux: nice is per thread), so on a small machine the io
// thread never waits behind a hash; only logins of hashed accounts get slower under load.
constexpr int worker_nice = 10;

}  // namespace

password_check::password_check(std::size_t threads, std::size_t queue)
    : capacity_(threads + queue) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i)
    workers_.emplace_back([this] { work(); });
}

password_check::~password_check() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_)
    t.join();
}

awaitable<hash_check> password_check::verify(std::string hash, std::string password) {
  if (!reserve()) co_return hash_check::refused;
  const auto ex = co_await net::this_coro::executor;
  auto initiate = [this, ex](auto handler, std::string hash, std::string password) {
    // std::function needs a copyable target; the coroutine's handler is move-only.
    auto waiting = std::make_shared<decltype(handler)>(std::move(handler));
    // Outstanding work: io.run() does not return while a check is out on a worker.
    auto busy = net::prefer(ex, net::execution::outstanding_work.tracked);
    push(job{std::move(hash), std::move(password), [waiting, busy](hash_check verdict) {
               net::post(busy, [waiting, verdict] { std::move (*waiting)(verdict); });
             }});
  };
  co_return co_await net::async_initiate<decltype(net::use_awaitable), void(hash_check)>(
      std::move(initiate), net::use_awaitable, std::move(hash), std::move(password));
}

bool password_check::reserve() {
  std::lock_guard lock(mutex_);
  if (taken_ >= capacity_) return false;
  ++taken_;
  return true;
}

void password_check::push(job j) {
  {
    std::lock_guard lock(mutex_);
    waiting_.push_back(std::move(j));
  }
  wake_.notify_one();
}

void password_check::work() {
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), worker_nice);  // best effort
  for (;;) {
    job j;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // stopping, and nothing was left
      j = std::move(waiting_.front());
      waiting_.pop_front();
    }
    const bool ok =
        crypto_pwhash_str_verify(j.hash.c_str(), j.password.data(), j.password.size()) == 0;
    sodium_memzero(j.password.data(), j.password.size());
    {
      std::lock_guard lock(mutex_);
      --taken_;
    }
    j.done(ok ? hash_check::matches : hash_check::differs);
  }
}

}  // namespace msgapp::server
