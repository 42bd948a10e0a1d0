// Taking and releasing the data directory's flock.
#include "data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace msgapp::store {

tl::expected<data_dir_lock, std::string> data_dir_lock::take(const std::filesystem::path& dir) {
  const auto path = dir / "lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    if (err == EACCES || err == EPERM)
      return tl::unexpected(fmt::format("no permission to use the data directory {} ({}: {})",
                                        dir.string(), path.string(), std::strerror(err)));
    return tl::unexpected(
        fmt::format("cannot open the lock file {}: {}", path.string(), std::strerror(err)));
  }
  data_dir_lock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK)
      return tl::unexpected(
          fmt::format("{} is in use by another msgserver (lock {})", dir.string(), path.string()));
    return tl::unexpected(fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
  }
  return lock;
}

data_dir_lock::data_dir_lock(data_dir_lock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

data_dir_lock& data_dir_lock::operator=(data_dir_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

data_dir_lock::~data_dir_lock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor of the open file releases it
}

}  // namespace msgapp::store
