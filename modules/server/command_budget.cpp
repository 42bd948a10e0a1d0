// A session's token bucket, as the moment it will be full again.
#include "msgapp/server/command_budget.hpp"

#include <algorithm>

namespace msgapp::server {

command_budget::command_budget(std::size_t burst, std::size_t per_second)
    : per_token_(per_second == 0 ? clock::duration::zero()
                                 : clock::duration(std::chrono::seconds(1)) /
                                       static_cast<clock::rep>(per_second)),
      depth_(per_token_ * static_cast<clock::rep>(burst)) {}

std::size_t command_budget::available(clock::time_point now) const {
  if (!limited()) return unlimited;
  const auto owed = std::max(full_at_ - now, clock::duration::zero());  // refill still to come
  if (owed >= depth_) return 0;
  return static_cast<std::size_t>((depth_ - owed) / per_token_);
}

void command_budget::spend(std::size_t cost, clock::time_point now) {
  if (!limited()) return;
  full_at_ = std::max(full_at_, now) + per_token_ * static_cast<clock::rep>(cost);
}

command_budget::clock::duration command_budget::wait(clock::time_point now) const {
  if (!limited()) return clock::duration::zero();
  // One token is there once what is still owed is at most a burst less one token.
  const auto first_token = full_at_ - (depth_ - per_token_);
  return std::max(first_token - now, clock::duration::zero());
}

}  // namespace msgapp::server
