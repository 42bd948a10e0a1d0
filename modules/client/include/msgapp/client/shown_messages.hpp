// What each user has already been shown of a server's stored messages, in a small state file
// that several clients may share.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>

#include <tl/expected.hpp>

namespace msgapp::client {

// Bounds on the state file, named once.
inline constexpr std::size_t max_shown_keys = 1000;  // then the least recently updated go
inline constexpr std::size_t max_shown_word = 128;   // bytes of a database id or a user name

// Keyed by the server's database, never by its address: a server that moved to another port
// keeps its messages, and a fresh database on an old port starts from nothing.
struct shown_key {
  std::string database_id;
  std::string user;
  auto operator<=>(const shown_key&) const = default;
};

// $XDG_STATE_HOME/msgapp, or ~/.local/state/msgapp when XDG_STATE_HOME is unset or empty.
tl::expected<std::filesystem::path, std::error_code> default_state_dir();

// The file `shown` in the state directory holds one line per key: the database id, the user,
// the highest stored id shown, and a stamp that orders updates. It is only ever replaced whole
// (written beside it, renamed over), under an flock on `shown.lock`, merging what is on disk
// by taking the highest id per key, so clients running at once never lose each other's lines.
// A damaged line is skipped. Nothing here throws for a file or directory that will not work:
// those are error values, and the table in memory goes on.
class shown_messages {
 public:
  using outcome = tl::expected<void, std::error_code>;

  explicit shown_messages(std::filesystem::path dir);  // touches nothing yet

  // Reads the file (a missing one is an empty table).
  outcome load();
  // The highest id shown for `key` (as loaded or recorded here); 0 when none was.
  std::uint64_t highest(const shown_key& key) const;
  // Records `id` as shown for `key`, in memory and in the file (creating the directory, 0700).
  // Not yet durable against a power loss: sync() makes it so.
  outcome record(const shown_key& key, std::uint64_t id);
  // Flushes the file and its directory entry to the disk.
  outcome sync();

  const std::filesystem::path& file() const { return file_; }

  struct entry {
    std::uint64_t id = 0;
    std::uint64_t stamp = 0;  // higher: updated more recently
  };
  using table = std::map<shown_key, entry>;

 private:
  std::filesystem::path dir_;
  std::filesystem::path file_;
  table known_;
};

}  // namespace msgapp::client
