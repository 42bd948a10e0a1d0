// Open connections per remote address: counted in at attach, out at detach.
#include "msgapp/server/per_address.hpp"

namespace msgapp::server {

bool is_loopback(std::string_view address) {
  if (address.starts_with("::ffff:")) address.remove_prefix(7);  // IPv4-mapped
  return address.starts_with("127.") || address == "::1";
}

connection_counts::connection_counts(const config& cfg)
    : limit_(cfg.connections_per_address), limit_loopback_(cfg.limit_loopback) {}

bool connection_counts::limited(std::string_view address) const {
  return limit_ > 0 && (limit_loopback_ || !is_loopback(address));
}

bool connection_counts::admit(const std::string& address) {
  if (!limited(address)) return true;
  auto& n = open_[address];
  if (n >= limit_) return false;
  ++n;
  return true;
}

void connection_counts::release(const std::string& address) {
  const auto it = open_.find(address);
  if (it == open_.end()) return;  // never counted (exempt)
  if (--it->second == 0) open_.erase(it);
}

std::size_t connection_counts::open(const std::string& address) const {
  const auto it = open_.find(address);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace msgapp::server
