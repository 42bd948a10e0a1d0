// One server per data directory: an exclusive flock on `<dir>/lock`, which the kernel
// releases when the process dies, so a restart after kill -9 is never blocked.
#pragma once

#include <filesystem>
#include <string>

#include <tl/expected.hpp>

namespace msgapp::store {

class data_dir_lock {
 public:
  // Fails (with a sentence naming the directory) if another open file holds the lock, also
  // one in this process: flock locks belong to the open file, not to the process.
  static tl::expected<data_dir_lock, std::string> take(const std::filesystem::path& dir);

  data_dir_lock(data_dir_lock&& other) noexcept;
  data_dir_lock& operator=(data_dir_lock&& other) noexcept;
  ~data_dir_lock();

 private:
  explicit data_dir_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace msgapp::store
