// One posted handler per turn that flushes every connection with output.
#include "msgapp/server/flush_list.hpp"

#include <utility>

namespace msgapp::server {

void flush_list::add(const net::any_io_executor& ex, entry e) {
  auto& list = net::use_service<flush_list>(net::query(ex, net::execution::context));
  if (list.pending_.empty()) {
    net::post(ex, [&list] {
      auto batch = std::exchange(list.pending_, {});
      for (const auto& c : batch)
        c.flush(c.owner.get());
    });
  }
  list.pending_.push_back(std::move(e));
}

}  // namespace msgapp::server
