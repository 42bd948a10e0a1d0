// The hub fuzzer's store: the batch semantics of the SQLite backend, in memory and fast.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <msgapp/store/batch.hpp>

namespace msgapp::fuzz {

class fake_store {
 public:
  // Every operation in order, each seeing the ones before it (a batch that commits).
  std::vector<store::op_result> apply(const store::batch& b);
  // What a server starting now would load.
  store::snapshot snapshot(store::wall_ms now) const;

 private:
  store::op_result run(const store::enqueue_message& op);
  store::op_result run(const store::delete_messages& op);
  store::op_result run(const store::set_blocked& op);
  store::op_result run(const store::set_login_block& op);
  store::op_result run(const store::record_login& op);
  store::op_result run(const store::record_logout& op);
  store::op_result run(const store::forget_logins_before& op);
  store::op_result run(const store::read_messages& op);

  std::map<std::string, std::vector<store::stored_message>> queues_;  // by recipient, by id
  store::message_id next_id_ = 1;
  std::set<std::pair<std::string, std::string>> blocks_;
  std::map<std::string, store::wall_ms> login_blocks_;
  std::map<std::string, store::wall_ms> last_seen_;
};

}  // namespace msgapp::fuzz
