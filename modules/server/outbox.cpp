// The outbox's rules: the byte bound, partial writes, and the end of its life.
#include "msgapp/server/outbox.hpp"

#include <algorithm>
#include <cassert>

namespace msgapp::server {

outbox::push_result outbox::push(shared_line line) {
  if (state_ != state::open) return push_result::dropped;
  if (bytes_ + line->size() > max_bytes_) return push_result::full;
  bytes_ += line->size();
  if (lines_.capacity() == 0) lines_.reserve(first_reserve);
  lines_.push_back(std::move(line));
  return push_result::queued;
}

outbox::push_result outbox::push_front(shared_line line, std::size_t in_flight) {
  if (state_ != state::open) return push_result::dropped;
  bytes_ += line->size();
  const std::size_t kept =
      std::min(std::max<std::size_t>(in_flight, front_written_ > 0 ? 1 : 0), lines());
  lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(head_ + kept), std::move(line));
  return push_result::queued;
}

void outbox::close_after_flush() {
  if (state_ == state::open) state_ = empty() ? state::closed : state::closing;
}

void outbox::abort() {
  state_ = state::closed;
  release();
}

std::size_t outbox::gather(std::span<net::const_buffer> out) const {
  const std::size_t count = std::min(out.size(), lines());
  for (std::size_t i = 0; i < count; ++i)
    out[i] = net::buffer(*lines_[head_ + i]);
  if (count > 0) out[0] += front_written_;
  return count;
}

void outbox::written(std::size_t n) {
  if (state_ == state::closed) return;  // e.g. a write that completed after abort()
  assert(n <= bytes_);
  bytes_ -= n;
  while (head_ < lines_.size()) {
    const std::size_t left = lines_[head_]->size() - front_written_;
    if (n < left) {
      front_written_ += n;
      break;
    }
    n -= left;
    front_written_ = 0;
    lines_[head_++].reset();  // a line's memory goes as soon as its last byte is sent
  }
  if (empty()) {
    release();
    if (state_ == state::closing) state_ = state::closed;
  } else if (head_ >= lines_.size() / 2) {
    // Erase written lines only once they are half the vector: amortised O(1) per line, even
    // when a slow client drains a long queue 64 lines at a time.
    lines_.erase(lines_.begin(), lines_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void outbox::release() {
  std::vector<shared_line>().swap(lines_);
  head_ = 0;
  front_written_ = 0;
  bytes_ = 0;
}

}  // namespace msgapp::server
