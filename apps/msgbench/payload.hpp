// The text of every benchmark message: sender id, sequence number and send time, padded to a size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace msgbench {

struct payload {
  std::uint32_t sender = 0;
  std::uint64_t seq = 0;
  std::int64_t sent_ns = 0;  // steady_clock; sender and receiver share this process's clock
};

// Appends "<sender> <seq> <sent_ns> xxxx..." so that the text is at least `size` bytes.
void append_payload(std::string& out, const payload& p, std::size_t size);
std::optional<payload> parse_payload(std::string_view text);

// Exactly-once, in-order delivery per sender, as one receiver sees it.
class sequence_checker {
 public:
  // Returns true when `seq` is exactly the next one expected from `sender`.
  bool accept(std::uint32_t sender, std::uint64_t seq);
  // How many messages from `sender` arrived in order so far (the next expected seq).
  std::uint64_t next(std::uint32_t sender) const;
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t gaps() const { return gaps_; }

 private:
  // A receiver hears from a handful of senders, so a flat vector beats a map.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> next_;
  std::uint64_t duplicates_ = 0;  // seq below the expected one: seen twice, or reordered
  std::uint64_t gaps_ = 0;        // seq above the expected one: lost, or reordered
};

}  // namespace msgbench
