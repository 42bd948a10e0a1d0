// The request book: a ready is followed once per request, and never after the offer is void.
#include "msgapp/client/p2p_requests.hpp"

#include <algorithm>

namespace msgapp::client::p2p {

void request_book::ask(std::string peer, clock::time_point now) {
  drop_expired(now);
  if (capacity_ == 0) return;
  if (entries_.size() >= capacity_) entries_.pop_front();
  entries_.push_back(entry{std::move(peer), now + lifetime_});
}

void request_book::withdraw(std::string_view peer) {
  const auto newest = std::find_if(entries_.rbegin(), entries_.rend(),
                                   [peer](const entry& e) { return e.peer == peer; });
  if (newest != entries_.rend()) entries_.erase(std::next(newest).base());
}

bool request_book::take(std::string_view peer, clock::time_point now) {
  drop_expired(now);
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [peer](const entry& e) { return e.peer == peer; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

void request_book::drop_expired(clock::time_point now) {
  std::erase_if(entries_, [now](const entry& e) { return e.expires <= now; });
}

}  // namespace msgapp::client::p2p
