// The state file of shown messages: parsing it, merging it, and replacing it atomically under
// an flock.
#include "msgapp/client/shown_messages.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace msgapp::client {
namespace {

namespace fs = std::filesystem;
using outcome = shown_messages::outcome;
using table = shown_messages::table;

constexpr std::string_view file_name = "shown";
constexpr std::string_view lock_name = "shown.lock";
constexpr std::string_view temp_name = "shown.tmp";  // only written under the lock
// A line is two words, two numbers and three spaces; anything longer is damage.
constexpr std::size_t max_line_bytes = 2 * max_shown_word + 2 * 20 + 4;
constexpr std::size_t max_file_bytes = max_shown_keys * max_line_bytes;

std::error_code last_error() {
  return {errno, std::system_category()};
}

tl::unexpected<std::error_code> failed() {
  return tl::unexpected(last_error());
}

// Closes the descriptor (and so drops an flock taken through it) on every path.
class descriptor {
 public:
  explicit descriptor(int fd) : fd_(fd) {}
  ~descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  descriptor(const descriptor&) = delete;
  descriptor& operator=(const descriptor&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  // Closes now, reporting what a late write error would say.
  outcome close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return failed();
    return {};
  }

 private:
  int fd_;
};

bool is_word(std::string_view w) {
  return !w.empty() && w.size() <= max_shown_word &&
         std::all_of(w.begin(), w.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::optional<std::uint64_t> number(std::string_view w) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
  if (w.empty() || ec != std::errc{} || end != w.data() + w.size()) return std::nullopt;
  return n;
}

std::string_view next_word(std::string_view& line) {
  const auto space = line.find(' ');
  const auto word = line.substr(0, space);
  line.remove_prefix(space == std::string_view::npos ? line.size() : space + 1);
  return word;
}

// One `<database> <user> <id> <stamp>` line; nothing for a damaged one.
std::optional<std::pair<shown_key, shown_messages::entry>> parse_line(std::string_view line) {
  if (line.size() > max_line_bytes) return std::nullopt;
  const auto database = next_word(line);
  const auto user = next_word(line);
  const auto id = number(next_word(line));
  const auto stamp = number(next_word(line));
  if (!is_word(database) || !is_word(user) || !id || !stamp || !line.empty()) return std::nullopt;
  return std::pair{shown_key{std::string(database), std::string(user)},
                   shown_messages::entry{*id, *stamp}};
}

void merge(table& into, const shown_key& key, shown_messages::entry e) {
  auto [it, fresh] = into.try_emplace(key, e);
  if (fresh) return;
  it->second.id = std::max(it->second.id, e.id);
  it->second.stamp = std::max(it->second.stamp, e.stamp);
}

table parse(std::string_view text) {
  table out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    if (end == std::string_view::npos) break;  // a cut-off last line is damage too
    if (auto parsed = parse_line(text.substr(0, end))) merge(out, parsed->first, parsed->second);
    text.remove_prefix(end + 1);
  }
  return out;
}

// Keeps the max_shown_keys most recently updated keys.
void bound(table& t) {
  if (t.size() <= max_shown_keys) return;
  std::vector<table::iterator> by_age;
  by_age.reserve(t.size());
  for (auto it = t.begin(); it != t.end(); ++it)
    by_age.push_back(it);
  std::stable_sort(by_age.begin(), by_age.end(),
                   [](auto a, auto b) { return a->second.stamp < b->second.stamp; });
  by_age.resize(t.size() - max_shown_keys);
  for (const auto it : by_age)
    t.erase(it);
}

std::string render(const table& t) {
  std::string out;
  for (const auto& [key, e] : t)
    out += fmt::format("{} {} {} {}\n", key.database_id, key.user, e.id, e.stamp);
  return out;
}

// Reads at most max_file_bytes; a missing file reads as empty.
tl::expected<std::string, std::error_code> read_file(const fs::path& path) {
  descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) {
    if (errno == ENOENT) return std::string();
    return failed();
  }
  std::string text;
  char chunk[8192];
  while (text.size() < max_file_bytes) {
    const auto n = ::read(fd.get(), chunk, std::min(sizeof chunk, max_file_bytes - text.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failed();
    if (n == 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
  }
  return text;
}

outcome write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failed();
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Creates every missing directory of `dir` with mode 0700 (the state is nobody else's).
outcome make_dirs(const fs::path& dir) {
  fs::path prefix;
  for (const auto& part : dir) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) == 0 || errno == EEXIST) continue;
    return failed();
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return failed();
  if (!S_ISDIR(st.st_mode)) return tl::unexpected(std::make_error_code(std::errc::not_a_directory));
  return {};
}

outcome fsync_path(const fs::path& path, int flags) {
  descriptor fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd.ok()) return failed();
  if (::fsync(fd.get()) != 0) return failed();
  return fd.close();
}

}  // namespace

tl::expected<fs::path, std::error_code> default_state_dir() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state != nullptr && *state != '\0') return fs::path(state) / "msgapp";
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    return tl::unexpected(std::make_error_code(std::errc::no_such_file_or_directory));
  }
  // A home that does not exist is not ours to create (make_dirs would): no state then.
  std::error_code ec;
  if (!fs::is_directory(home, ec)) {
    return tl::unexpected(std::make_error_code(std::errc::no_such_file_or_directory));
  }
  return fs::path(home) / ".local" / "state" / "msgapp";
}

shown_messages::shown_messages(fs::path dir) : dir_(std::move(dir)), file_(dir_ / file_name) {}

shown_messages::outcome shown_messages::load() {
  const auto text = read_file(file_);
  if (!text) return tl::unexpected(text.error());
  for (const auto& [key, e] : parse(*text))
    merge(known_, key, e);
  return {};
}

std::uint64_t shown_messages::highest(const shown_key& key) const {
  const auto it = known_.find(key);
  return it == known_.end() ? 0 : it->second.id;
}

shown_messages::outcome shown_messages::record(const shown_key& key, std::uint64_t id) {
  if (!is_word(key.database_id) || !is_word(key.user)) {
    return tl::unexpected(std::make_error_code(std::errc::invalid_argument));
  }
  merge(known_, key, entry{id, 0});  // remembered here even if the file cannot be written
  if (auto made = make_dirs(dir_); !made) return made;
  descriptor lock(::open((dir_ / lock_name).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock.ok()) return failed();
  while (::flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return failed();
  }

  // Read, merge, write: another client may have written since we last looked.
  const auto text = read_file(file_);
  if (!text) return tl::unexpected(text.error());
  table merged = parse(*text);
  for (const auto& [k, e] : known_)
    merge(merged, k, e);
  std::uint64_t stamp = 0;
  for (const auto& [k, e] : merged)
    stamp = std::max(stamp, e.stamp);
  merged[key].stamp = stamp + 1;
  bound(merged);
  known_ = merged;

  const auto temp = dir_ / temp_name;
  descriptor out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out.ok()) return failed();
  if (auto written = write_all(out.get(), render(merged)); !written) return written;
  if (auto closed = out.close(); !closed) return closed;
  if (::rename(temp.c_str(), file_.c_str()) != 0) return failed();
  return {};
}

shown_messages::outcome shown_messages::sync() {
  if (::access(file_.c_str(), F_OK) != 0 && errno == ENOENT) return {};  // nothing recorded yet
  if (auto synced = fsync_path(file_, O_RDONLY); !synced) return synced;
  return fsync_path(dir_, O_RDONLY | O_DIRECTORY);
}

}  // namespace msgapp::client
