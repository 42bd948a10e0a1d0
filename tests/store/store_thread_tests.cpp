// The store thread: group commit (batches submitted while a transaction commits share the
// next one), outcomes in ticket order on the hub's thread, and queued work finished at the end.
#include <future>
#include <numeric>
#include <thread>

#include <msgapp/store/store_thread.hpp>

#include "store_support.hpp"

namespace {

using namespace store_test;

// A backend that holds its first apply until the test opens the gate, so batches are
// certainly submitted while a transaction is in progress.
class gated_backend final : public store::backend {
 public:
  gated_backend(std::unique_ptr<store::backend> inner, std::shared_future<void> gate)
      : inner_(std::move(inner)), gate_(std::move(gate)) {}
  tl::expected<store::snapshot, std::string> load(store::wall_ms now) override {
    return inner_->load(now);
  }
  std::vector<store::outcome> apply(std::span<const store::batch> batches) override {
    gate_.wait();
    return inner_->apply(batches);
  }

 private:
  std::unique_ptr<store::backend> inner_;
  std::shared_future<void> gate_;
};

store::batch message_batch(std::uint64_t ticket) {
  return store::batch{ticket,
                      {store::enqueue_message{"bob", "alice", static_cast<store::wall_ms>(ticket),
                                              fmt::format("m{}", ticket)}}};
}

}  // namespace

TEST_CASE("store thread: batches submitted during a commit share one transaction") {
  constexpr std::uint64_t batches = 200;
  temp_dir dir;
  std::promise<void> open_gate;
  auto db = std::make_unique<gated_backend>(open_or_fail(on_disk(dir.data())),
                                            open_gate.get_future().share());

  msgapp::net::io_context io;
  auto guard = msgapp::net::make_work_guard(io);
  std::vector<store::outcome> received;
  std::size_t deliveries = 0;
  bool on_io_thread = true;
  const auto io_thread = std::this_thread::get_id();
  auto on_results = [&](std::vector<store::outcome> outcomes) {
    on_io_thread = on_io_thread && std::this_thread::get_id() == io_thread;
    ++deliveries;
    for (auto& o : outcomes)
      received.push_back(std::move(o));
    if (received.size() == batches) guard.reset();
  };
  {
    store::store_thread thread(std::move(db), io.get_executor(), on_results);
    for (std::uint64_t t = 1; t <= batches; ++t)
      thread.submit(message_batch(t));
    open_gate.set_value();
    io.run_for(std::chrono::milliseconds(20000));  // a guard against a hang, not a timing
    const auto stats = thread.stats();
    CHECK(stats.batches == batches);
    CHECK(stats.transactions <= 2);  // the first may have been taken alone
    CHECK(stats.transactions == deliveries);
  }
  REQUIRE(received.size() == batches);
  CHECK(on_io_thread);
  for (std::uint64_t t = 1; t <= batches; ++t) {
    CHECK(received[t - 1].ticket == t);
    CHECK(received[t - 1].results.has_value());
  }
  auto reopened = open_or_fail(on_disk(dir.data()));
  const auto all = read_page(*reopened, "bob", 0, 1000, 1'000'000);
  REQUIRE(all.messages.size() == batches);
  CHECK(all.messages.back().text == fmt::format("m{}", batches));
}

TEST_CASE("store thread: work queued when it ends is applied before it joins") {
  temp_dir dir;
  msgapp::net::io_context io;
  std::vector<std::uint64_t> tickets;
  {
    store::store_thread thread(open_or_fail(on_disk(dir.data())), io.get_executor(),
                               [&](std::vector<store::outcome> outcomes) {
                                 for (const auto& o : outcomes) {
                                   CHECK(o.results.has_value());
                                   tickets.push_back(o.ticket);
                                 }
                               });
    for (std::uint64_t t = 1; t <= 50; ++t)
      thread.submit(message_batch(t));
  }
  io.run();  // the outcomes were posted before the thread ended
  std::vector<std::uint64_t> in_order(50);
  std::iota(in_order.begin(), in_order.end(), 1);
  CHECK(tickets == in_order);
  auto reopened = open_or_fail(on_disk(dir.data()));
  CHECK(read_page(*reopened, "bob", 0, 1000, 1'000'000).messages.size() == 50);
}
