// The fake store's operations, written to match modules/store/sqlite_ops.cpp.
#include "fake_store.hpp"

#include <algorithm>
#include <variant>

namespace msgapp::fuzz {

std::vector<store::op_result> fake_store::apply(const store::batch& b) {
  std::vector<store::op_result> results;
  for (const auto& op : b.ops)
    results.push_back(std::visit([this](const auto& o) { return run(o); }, op));
  return results;
}

store::snapshot fake_store::snapshot(store::wall_ms now) const {
  store::snapshot s;
  s.database_id = "fuzz";
  s.blocks.assign(blocks_.begin(), blocks_.end());
  for (const auto& [user, until] : login_blocks_)
    if (until > now) s.login_blocks.push_back(store::set_login_block{user, until});
  s.last_seen.assign(last_seen_.begin(), last_seen_.end());
  std::map<std::string, store::sender_total> senders;
  for (const auto& [recipient, messages] : queues_) {
    if (messages.empty()) continue;
    store::queue_total q{recipient, 0, 0};
    for (const auto& m : messages) {
      ++q.messages;
      q.bytes += m.text.size();
      auto& from = senders[m.from];
      from.sender = m.from;
      ++from.messages;
      from.bytes += m.text.size();
    }
    s.queues.push_back(std::move(q));
  }
  for (auto& [name, total] : senders)
    s.senders.push_back(std::move(total));
  return s;
}

store::op_result fake_store::run(const store::enqueue_message& op) {
  queues_[op.to].push_back(store::stored_message{next_id_++, op.from, op.sent_at, op.text});
  return store::no_result{};
}

store::op_result fake_store::run(const store::delete_messages& op) {
  auto& queue = queues_[op.recipient];
  std::map<std::string, store::sender_total> gone;
  for (const auto& m : queue) {
    if (m.id > op.up_to) continue;
    auto& from = gone[m.from];
    from.sender = m.from;
    ++from.messages;
    from.bytes += m.text.size();
  }
  std::erase_if(queue, [&](const store::stored_message& m) { return m.id <= op.up_to; });
  store::deleted out;
  for (auto& [name, total] : gone)
    out.by_sender.push_back(std::move(total));
  return out;
}

store::op_result fake_store::run(const store::set_blocked& op) {
  if (op.blocked) {
    blocks_.emplace(op.user, op.other);
  } else {
    blocks_.erase({op.user, op.other});
  }
  return store::no_result{};
}

store::op_result fake_store::run(const store::set_login_block& op) {
  if (op.until == 0) {
    login_blocks_.erase(op.user);
  } else {
    login_blocks_[op.user] = op.until;
  }
  return store::no_result{};
}

store::op_result fake_store::run(const store::record_login&) {
  return store::no_result{};  // only whoelsesince after a restart reads logins: not modelled
}

store::op_result fake_store::run(const store::record_logout& op) {
  last_seen_[op.user] = op.at;
  return store::no_result{};
}

store::op_result fake_store::run(const store::forget_logins_before&) {
  return store::no_result{};
}

store::op_result fake_store::run(const store::read_messages& op) {
  store::page out;
  std::size_t bytes = 0;
  for (const auto& m : queues_[op.recipient]) {
    if (m.id <= op.after) continue;
    if (out.messages.size() == op.max_messages ||
        (!out.messages.empty() && bytes + m.text.size() > op.max_bytes)) {
      out.more = true;
      break;
    }
    bytes += m.text.size();
    out.messages.push_back(m);
  }
  return out;
}

}  // namespace msgapp::fuzz
