// The soak's logged-in users: random valid and invalid commands, floods, and a ledger of what
// the server said it delivered against what arrived.
#pragma once

#include "user_pool.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace msgbench {

// What the soak counted; checks() turns it into failures.
struct chat_tally {
  std::uint64_t commands = 0;         // sent, every kind
  std::uint64_t invalid_sent = 0;     // deliberately invalid
  std::uint64_t invalid_refused = 0;  // ... and answered with `error`, as they must be
  std::uint64_t invalid_accepted = 0;
  std::uint64_t valid_refused = 0;  // a valid command answered with `error`
  std::uint64_t delivered_ok = 0;   // `ok delivered` to a user connected to the end
  std::uint64_t queued_ok = 0;      // `ok queued` (the recipient had gone)
  std::uint64_t to_departed = 0;    // `ok delivered` to a flooder the server cut off later
  std::uint64_t received = 0;       // direct messages that arrived
  std::uint64_t missing = 0;        // delivered but never arrived
  std::uint64_t duplicates = 0;     // arrived more than once
  std::uint64_t strangers = 0;      // arrived, but never sent (or never answered ok)
  std::uint64_t broadcasts = 0;     // answered `ok broadcast`
  std::uint64_t broadcast_lines = 0;
  std::uint64_t broadcast_duplicates = 0;
  std::uint64_t flooders_cut_off = 0;  // tolerated: sustained floods may be cut off
  std::uint64_t chatters_cut_off = 0;  // never tolerated: they behave like people
  std::uint64_t unanswered = 0;        // commands still without a reply at the end
};

class soak_chat final : public line_sink {
 public:
  explicit soak_chat(const bench_context& ctx);

  // Logs every chatter in; "" or why it failed.
  msgapp::awaitable<std::string> start();
  // Every chatter sends until `until`, then waits (up to `drain_until`) for its replies and for
  // the messages it was told were delivered.
  msgapp::awaitable<void> run(bench_clock::time_point until, bench_clock::time_point drain_until);
  // Closes every chatter and waits for their readers.
  msgapp::awaitable<void> stop();
  chat_tally tally() const;
  const std::string& first_error() const { return pool_.first_error(); }

  void on_line(std::size_t user, bench_conn& conn, const parsed_line& line) override;
  void on_closed(std::size_t user, asio::error_code ec) override;
  void on_abort() override;

 private:
  enum class sent_kind { message, broadcast, query, invalid };
  struct sent {
    sent_kind kind;
    std::uint64_t id = 0;  // message: (sender << 32) | seq
  };
  struct chatter {
    explicit chatter(const asio::any_io_executor& ex) : replied(ex) {}
    std::deque<sent> awaiting;  // replies come in command order
    std::uint64_t seq = 0;
    bool flooder = false;
    bool closed = false;  // by the server, before stop()
    wake_signal replied;
  };

  msgapp::awaitable<void> send_loop(std::size_t user, bench_clock::time_point until);
  void send_one(std::size_t user);
  void send_invalid(std::size_t user);
  void on_reply(std::size_t user, const parsed_line& line);
  std::size_t other_than(std::size_t user);
  std::size_t window(std::size_t user) const;
  bool settled() const;

  const bench_context& ctx_;
  user_pool pool_;
  std::vector<std::unique_ptr<chatter>> chatters_;
  std::mt19937_64 random_{20261201};
  std::string line_;  // scratch for the command being built
  // A message the server said it delivered, or one that arrived, until the other half comes;
  // so the map holds only what is in flight, however long the soak runs.
  struct half_seen {
    bool replied = false;  // `ok delivered` came first; otherwise the message did
    std::uint32_t recipient = 0;
  };
  std::unordered_map<std::uint64_t, half_seen> open_;
  // [recipient * n + sender]: the last seq seen. The hub keeps each sender's lines to one
  // recipient in order, so a seq that does not grow is a duplicate.
  std::vector<std::uint64_t> last_direct_, last_broadcast_;
  chat_tally tally_;
  bool draining_ = false;
  bool stopping_ = false;  // closes from now on are ours
  wake_signal settled_;
};

}  // namespace msgbench
