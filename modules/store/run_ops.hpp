// What every backend does inside a batch's savepoint: its operations in order, one result
// each, stopping at the first that fails.
#pragma once

#include <utility>
#include <variant>
#include <vector>

#include "msgapp/store/batch.hpp"

namespace msgapp::store {

// `run(op)` returns an expected op_result; Results is the backend's expected vector of them.
template <typename Results, typename Run>
Results run_ops(const batch& b, Run run) {
  std::vector<op_result> results;
  results.reserve(b.ops.size());
  for (const auto& op : b.ops) {
    auto done = std::visit(run, op);
    if (!done) return tl::unexpected(std::move(done.error()));
    results.push_back(std::move(*done));
  }
  return results;
}

}  // namespace msgapp::store
