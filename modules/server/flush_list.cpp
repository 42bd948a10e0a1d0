// One posted handler per turn that flushes every connection with output.
#include "msgapp/server/flush_list.hpp"

#include <utility>

namespace msgapp::server {

flush_list& flush_list::of(const net::any_io_executor& ex) {
  return net::use_service<flush_list>(net::query(ex, net::execution::context));
}

void flush_list::add(const net::any_io_executor& ex, entry e) {
  auto& list = of(ex);
  list.pending_.push_back(std::move(e));
  if (!list.held_) list.post_flush(ex);
}

void flush_list::hold(const net::any_io_executor& ex) {
  of(ex).held_ = true;
}

void flush_list::release(const net::any_io_executor& ex) {
  auto& list = of(ex);
  list.held_ = false;
  if (!list.pending_.empty()) list.post_flush(ex);
}

bool flush_list::waiting(const net::any_io_executor& ex) {
  return !of(ex).pending_.empty();
}

void flush_list::post_flush(const net::any_io_executor& ex) {
  if (posted_) return;
  posted_ = true;
  net::post(ex, [this] {
    posted_ = false;
    // The two vectors trade places, so a storm's thousands of entries a turn reuse their
    // memory instead of growing a new vector every turn.
    auto batch = std::exchange(pending_, std::move(spare_));
    for (const auto& c : batch)
      c.flush(c.owner.get());
    batch.clear();
    spare_ = std::move(batch);
  });
}

}  // namespace msgapp::server
