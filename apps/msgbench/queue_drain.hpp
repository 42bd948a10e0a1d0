// One user reading its whole offline queue with receipts, confirming as it goes, checking order.
#pragma once

#include "bench_context.hpp"
#include "payload.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace msgbench {

// `user` logs in after `receipts` and expects exactly `expected` messages from `sender`, sent
// as payloads of sender index `sender_index` with seq 0, 1, ...
class queue_drain {
 public:
  queue_drain(const bench_context& ctx, std::size_t user, std::size_t sender_index,
              std::uint64_t expected);

  // Connects, logs in and reads until every expected message has come and its confirm has
  // been answered; returns "" then, otherwise what went wrong. close() ends it early.
  msgapp::awaitable<std::string> run();
  void close();

  std::uint64_t drained() const { return drained_; }  // stored lines with a good payload
  std::uint64_t in_order() const { return order_.next(sender_index_); }
  std::uint64_t duplicates() const { return order_.duplicates(); }
  std::uint64_t gaps() const { return order_.gaps(); }
  std::uint64_t bad_payloads() const { return bad_payloads_; }
  std::uint64_t confirms() const { return confirms_; }  // `ok confirmed` replies

 private:
  msgapp::awaitable<std::string> log_in();
  std::string on_line(std::string_view line);  // "" or why the run is wrong
  void confirm();
  bool done() const { return in_order() >= expected_ && confirmed_ == last_id_; }

  const bench_context& ctx_;
  std::shared_ptr<bench_conn> conn_;
  std::size_t user_;
  std::uint32_t sender_index_;
  std::string sender_name_;
  std::uint64_t expected_;
  std::uint64_t drained_ = 0;
  std::uint64_t bad_payloads_ = 0;
  std::uint64_t confirms_ = 0;
  std::uint64_t last_id_ = 0;       // highest stored id received
  std::uint64_t confirm_sent_ = 0;  // highest id in a confirm sent
  std::uint64_t confirmed_ = 0;     // highest id the server says it deleted
  std::uint64_t since_confirm_ = 0;
  sequence_checker order_;
};

}  // namespace msgbench
