// The token book: expiry, the cap, and a comparison that takes as long for every wrong guess.
#include "msgapp/client/p2p_tokens.hpp"

#include <algorithm>

namespace msgapp::client::p2p {

namespace {
// Compares every byte whatever the first difference, so the time a refusal takes says
// nothing about how much of a guessed token was right.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}
}  // namespace

void token_book::expect(std::string user, std::string token, clock::time_point now) {
  drop_expired(now);
  if (capacity_ == 0 || per_user_ == 0) return;
  const auto is_users = [&user](const entry& e) { return e.user == user; };
  if (static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(), is_users)) >=
      per_user_) {
    entries_.erase(std::find_if(entries_.begin(), entries_.end(), is_users));
  }
  if (entries_.size() >= capacity_) entries_.pop_front();
  entries_.push_back(entry{std::move(user), std::move(token), now + lifetime_});
}

bool token_book::redeem(std::string_view user, std::string_view token, clock::time_point now) {
  drop_expired(now);
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) {
    return same_secret(e.token, token) && e.user == user;
  });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

std::optional<std::string> token_book::find(
    const std::function<bool(std::string_view token)>& match, clock::time_point now) const {
  for (const entry& e : entries_) {
    if (e.expires > now && match(e.token)) return e.token;
  }
  return std::nullopt;
}

void token_book::drop_expired(clock::time_point now) {
  std::erase_if(entries_, [now](const entry& e) { return e.expires <= now; });
}

}  // namespace msgapp::client::p2p
