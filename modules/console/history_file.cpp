// The history file: XDG's state directory, read at start, rewritten whole after each line.
#include "msgapp/console/history_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace msgapp::ui {
namespace {

namespace fs = std::filesystem;

std::string absolute_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || value[0] != '/') return {};  // XDG: relative paths are ignored
  return value;
}

// The parents as usual, the last directory for its owner alone: it holds what was typed.
bool make_private_directory(const fs::path& dir) {
  std::error_code ec;
  if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);
  return ::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST;
}

bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string default_history_file() {
  if (auto state = absolute_env("XDG_STATE_HOME"); !state.empty()) {
    return (fs::path(state) / "msgapp" / "history").string();
  }
  if (auto home = absolute_env("HOME"); !home.empty()) {
    return (fs::path(home) / ".local" / "state" / "msgapp" / "history").string();
  }
  return {};
}

std::vector<std::string> load_history(const std::string& file, std::size_t max) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(std::move(line));
  }
  if (lines.size() > max) lines.erase(lines.begin(), lines.end() - static_cast<long>(max));
  return lines;
}

bool save_history(const std::string& file, const std::vector<std::string>& lines, std::size_t max) {
  const fs::path path(file);
  if (!make_private_directory(path.parent_path())) return false;
  std::string text;
  const std::size_t first = lines.size() > max ? lines.size() - max : 0;
  for (std::size_t i = first; i < lines.size(); ++i)
    text.append(lines[i]).append("\n");
  const std::string temporary = file + ".new";
  ::unlink(temporary.c_str());  // left by a crash; made anew, never followed if a link
  const int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  // An older file of ours may have been made with wider permissions: 0600 whatever the umask.
  const bool written = ::fchmod(fd, 0600) == 0 && write_all(fd, text);
  const bool closed = ::close(fd) == 0;
  if (!written || !closed || ::rename(temporary.c_str(), file.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace msgapp::ui
