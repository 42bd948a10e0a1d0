// Deciding, per stored message, whether it is new to this user, and recording it first.
#include "shown_once.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace msgapp::apps {

shown_once::shown_once(std::optional<std::string> dir, std::string database_id, std::string user)
    : key_{std::move(database_id), std::move(user)} {
  auto path = dir ? tl::expected<std::filesystem::path, std::error_code>(*dir)
                  : client::default_state_dir();
  if (!path) {
    where_ = "$XDG_STATE_HOME or $HOME";
    trouble(path.error());
    return;
  }
  where_ = path->string();
  shown_.emplace(*path);
  if (auto loaded = shown_->load(); !loaded) trouble(loaded.error());
  highest_shown_ = shown_->highest(key_);
}

bool shown_once::should_show(std::uint64_t id) {
  unconfirmed_ = std::max(unconfirmed_.value_or(id), id);
  if (id <= highest_shown_) return false;
  highest_shown_ = id;
  if (!shown_) return true;
  if (auto recorded = shown_->record(key_, id); !recorded) trouble(recorded.error());
  return true;
}

std::optional<std::uint64_t> shown_once::take_confirmation() {
  const auto due = unconfirmed_;
  if (!due) return std::nullopt;
  unconfirmed_.reset();
  // On disk before the server deletes: then not even a power loss can show it twice.
  if (shown_) {
    if (auto synced = shown_->sync(); !synced) trouble(synced.error());
  }
  return due;
}

void shown_once::trouble(const std::error_code& why) {
  if (warned_) return;
  warned_ = true;
  fmt::print(stderr,
             "msgclient: warning: cannot keep the record of offline messages shown in {}: {}; "
             "one may be shown again if msgclient stops before the server hears it was shown\n",
             where_, why.message());
  std::fflush(stderr);
}

}  // namespace msgapp::apps
