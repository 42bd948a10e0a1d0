// The narrow interface every database sits behind. Synchronous: only the store thread
// (store_thread.hpp) calls it, so a backend needs no locks and the hub never waits for it.
#pragma once

#include <span>

#include "msgapp/store/batch.hpp"

namespace msgapp::store {

class backend {
 public:
  virtual ~backend() = default;

  // Everything the hub keeps in memory. Users whose last login has no logout (the server
  // died while they were online) are logged out at `now` first: seen until the restart.
  virtual tl::expected<snapshot, std::string> load(wall_ms now) = 0;

  // Applies the batches in order in one transaction (group commit: one sync for all), one
  // outcome per batch, in order. A batch whose statements fail fails alone (the others
  // commit); if the commit itself fails, every batch fails. A failure never leaves part of a
  // batch applied.
  virtual std::vector<outcome> apply(std::span<const batch> batches) = 0;
};

}  // namespace msgapp::store
