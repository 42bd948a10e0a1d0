// Failed logins per address: the schedule of admitted attempts, decay, and the bounded table.
#include "msgapp/server/login_throttle.hpp"

#include <algorithm>

namespace msgapp::server {

login_throttle::login_throttle(const config& cfg)
    : free_(cfg.address_failures_free),
      base_(cfg.login_delay_base),
      max_(cfg.login_delay_max),
      memory_(cfg.address_failure_memory),
      capacity_(cfg.address_table) {}

bool login_throttle::expired(const record& r, time_point now) const {
  return memory_.count() > 0 && now - r.last_failure >= memory_;
}

milliseconds login_throttle::spacing(std::size_t failures) const {
  if (max_.count() == 0 || failures < free_) return milliseconds(0);
  // base x 2^(failures - free), capped; the shift is bounded so it cannot overflow.
  const std::size_t doublings = std::min<std::size_t>(failures - free_, 20);
  return std::min(max_, base_ * (std::int64_t{1} << doublings));
}

std::optional<login_throttle::time_point> login_throttle::admit(const std::string& address,
                                                                time_point now) {
  const auto it = records_.find(address);
  if (it == records_.end() || expired(it->second, now)) return now;
  auto& r = it->second;
  const auto wait = spacing(r.failures);
  if (wait.count() == 0) return now;
  const auto slot = std::max(now, r.next_slot);
  if (slot - now > max_) return std::nullopt;
  r.next_slot = slot + wait;
  return slot;
}

void login_throttle::failed(const std::string& address, time_point now) {
  auto it = records_.find(address);
  if (it == records_.end()) {
    if (records_.size() >= capacity_) {
      records_.erase(by_age_.front());
      by_age_.pop_front();
    }
    by_age_.push_back(address);
    it = records_.emplace(address, record{0, now, now, std::prev(by_age_.end())}).first;
  } else {
    if (expired(it->second, now)) it->second.failures = 0;
    by_age_.splice(by_age_.end(), by_age_, it->second.age);  // now the youngest
  }
  ++it->second.failures;
  it->second.last_failure = now;
}

void login_throttle::forget_old(time_point now) {
  while (!by_age_.empty()) {
    const auto it = records_.find(by_age_.front());
    if (!expired(it->second, now)) return;
    records_.erase(it);
    by_age_.pop_front();
  }
}

std::size_t login_throttle::failures(const std::string& address, time_point now) const {
  const auto it = records_.find(address);
  if (it == records_.end() || expired(it->second, now)) return 0;
  return it->second.failures;
}

}  // namespace msgapp::server
