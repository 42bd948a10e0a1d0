// Stored offline messages shown exactly once: which to show, what to record before showing
// it, and what to confirm to the server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

#include <msgapp/client/shown_messages.hpp>

namespace msgapp::apps {

// One per login to a server that keeps messages until they are confirmed (`receipts`).
// Should the state file fail, it says so once on stderr and goes on from memory: messages are
// then still shown once in this run, but one may be shown again after a crash.
class shown_once {
 public:
  // `dir` overrides the default state directory (client::default_state_dir()).
  shown_once(std::optional<std::string> dir, std::string database_id, std::string user);

  // Whether to show stored message `id`: not when this user was shown it before, here or in an
  // earlier run. True only once `id` is recorded, so no crash can make it show twice.
  bool should_show(std::uint64_t id);
  // The id to confirm now (every stored message up to it was shown or skipped), after the
  // state is flushed to disk; nothing when everything seen is confirmed already.
  std::optional<std::uint64_t> take_confirmation();

 private:
  void trouble(const std::error_code& why);

  std::string where_;  // the directory, for the warning
  std::optional<client::shown_messages> shown_;
  client::shown_key key_;
  std::uint64_t highest_shown_ = 0;           // as loaded, then as shown here
  std::optional<std::uint64_t> unconfirmed_;  // the highest id seen since the last confirm
  bool warned_ = false;
};

}  // namespace msgapp::apps
