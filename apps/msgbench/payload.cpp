// The text of every benchmark message: sender id, sequence number and send time, padded to a size.
#include "payload.hpp"

#include <algorithm>
#include <charconv>

namespace msgbench {
namespace {

template <typename T>
bool parse_number(std::string_view& rest, T& value) {
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec != std::errc{}) return false;
  rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return true;
}

template <typename T>
void append_number(std::string& out, T value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

}  // namespace

void append_payload(std::string& out, const payload& p, std::size_t size) {
  const auto start = out.size();
  append_number(out, p.sender);
  out.push_back(' ');
  append_number(out, p.seq);
  out.push_back(' ');
  append_number(out, p.sent_ns);
  const auto written = out.size() - start;
  if (written < size) {
    out.push_back(' ');
    if (written + 1 < size) out.append(size - written - 1, 'x');
  }
}

std::optional<payload> parse_payload(std::string_view text) {
  payload p;
  if (!parse_number(text, p.sender) || !parse_number(text, p.seq) || !parse_number(text, p.sent_ns))
    return std::nullopt;
  return p;
}

bool sequence_checker::accept(std::uint32_t sender, std::uint64_t seq) {
  auto it = std::find_if(next_.begin(), next_.end(), [&](auto& e) { return e.first == sender; });
  if (it == next_.end()) it = next_.insert(next_.end(), {sender, 0});
  if (seq == it->second) {
    ++it->second;
    return true;
  }
  if (seq < it->second) {
    ++duplicates_;
  } else {
    ++gaps_;
    it->second = seq + 1;
  }
  return false;
}

std::uint64_t sequence_checker::next(std::uint32_t sender) const {
  for (const auto& [s, n] : next_)
    if (s == sender) return n;
  return 0;
}

}  // namespace msgbench
