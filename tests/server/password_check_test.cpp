// The password pool alone: verdicts come back on the caller's executor, and a full queue
// refuses at once without checking.
#include <catch2/catch.hpp>

#include <thread>

#include <msgapp/net.hpp>
#include <msgapp/net/contain.hpp>
#include <msgapp/server/password_check.hpp>

#include "test_hashes.hpp"

using namespace msgapp::test;
namespace net = msgapp::net;
namespace server = msgapp::server;
using msgapp::awaitable;
using server::hash_check;

namespace {

template <typename T>
T run(net::io_context& io, awaitable<T> body) {
  auto result = net::co_spawn(io, std::move(body), net::use_future);
  io.run();
  return result.get();
}

awaitable<std::vector<hash_check>> verify_all(server::password_check* pool, std::string hash) {
  std::vector<hash_check> got;
  got.push_back(co_await pool->verify(hash, "right"));
  got.push_back(co_await pool->verify(hash, "wrong"));
  got.push_back(co_await pool->verify(hash, ""));
  co_return got;
}

awaitable<void> verify_into(server::password_check* pool, std::string hash, hash_check* out,
                            std::thread::id* resumed_on) {
  *out = co_await pool->verify(hash, "right");
  *resumed_on = std::this_thread::get_id();
}

// Starts a slow check, then asks for another while it runs: `second` is the verdict for that.
awaitable<void> second_while_busy(server::password_check* pool, std::string slow, std::string fast,
                                  hash_check* first, hash_check* second,
                                  std::thread::id* resumed_on) {
  auto ex = co_await net::this_coro::executor;
  net::co_spawn(ex, verify_into(pool, slow, first, resumed_on),
                msgapp::log_and_contain{"the slow check"});
  // Two turns of the loop: the spawned check has started and taken the only place.
  co_await net::post(ex, net::use_awaitable);
  co_await net::post(ex, net::use_awaitable);
  *second = co_await pool->verify(fast, "right");
}

}  // namespace

TEST_CASE("the pool tells matching and differing passwords apart") {
  net::io_context io{1};
  server::password_check pool(2, 4);
  const auto got = run(io, verify_all(&pool, fast_hash("right")));
  CHECK(got ==
        std::vector<hash_check>{hash_check::matches, hash_check::differs, hash_check::differs});
}

TEST_CASE("a full pool refuses a check at once, and the running one still completes") {
  net::io_context io{1};
  server::password_check pool(1, 0);
  hash_check first = hash_check::not_done;
  hash_check second = hash_check::not_done;
  std::thread::id resumed_on;
  run(io, second_while_busy(&pool, slow_hash("right"), fast_hash("right"), &first, &second,
                            &resumed_on));
  CHECK(second == hash_check::refused);
  CHECK(first == hash_check::matches);  // io.run() waited for it: the pool keeps the work
  CHECK(resumed_on == std::this_thread::get_id());
}
