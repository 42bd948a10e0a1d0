// POSIX descriptor and terminal helpers; see terminal.hpp.
#include "terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cwchar>
#include <system_error>

namespace msgapp::ui::terminal {

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

int unique_fd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void unique_fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

unique_fd duplicate(int fd) {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) throw std::system_error(errno, std::generic_category(), "console: dup");
  return unique_fd(copy);
}

bool is_terminal(int fd) {
  return ::isatty(fd) == 1;
}

bool term_is_capable() {
  const char* term = std::getenv("TERM");
  return term != nullptr && *term != '\0' && std::string_view(term) != "dumb";
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, -1);
    } else if (errno != EINTR) {
      return;
    }
  }
}

std::size_t bytes_ready(int fd) {
  int n = 0;
  if (::ioctl(fd, FIONREAD, &n) != 0 || n < 0) return 0;
  return static_cast<std::size_t>(n);
}

bool hung_up(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) < 0) return false;
  return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

int columns(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return 80;
  return ws.ws_col;
}

std::size_t display_width(std::string_view utf8) {
  std::size_t width = 0;
  bool hidden = false;
  while (!utf8.empty()) {
    char32_t cp = 0;
    const std::size_t n = next_code_point(utf8, cp);
    utf8.remove_prefix(n);
    if (cp == U'\1' || cp == U'\2') {
      hidden = cp == U'\1';
    } else if (!hidden) {
      width += static_cast<std::size_t>(code_point_width(cp));
    }
  }
  return width;
}

std::size_t next_code_point(std::string_view utf8, char32_t& cp) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(utf8[i]); };
  const unsigned char lead = byte(0);
  const std::size_t n = lead < 0x80         ? 1
                        : lead >> 5 == 0x6  ? 2
                        : lead >> 4 == 0xE  ? 3
                        : lead >> 3 == 0x1E ? 4
                                            : 0;
  cp = lead;
  if (n <= 1 || n > utf8.size()) return 1;
  char32_t value = lead & (0x7F >> n);
  for (std::size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 1;
    value = (value << 6) | (byte(i) & 0x3F);
  }
  cp = value;
  return n;
}

int code_point_width(char32_t cp) {
  const int w = ::wcwidth(static_cast<wchar_t>(cp));
  return w < 0 ? 1 : w;
}

std::string printable(std::string_view line) {
  std::string out(line);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) c = '?';
  }
  return out;
}

echo_off::echo_off(int fd) : fd_(fd) {
  termios t{};
  if (::tcgetattr(fd_, &t) != 0) return;
  saved_lflag_ = t.c_lflag;
  t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  // TCSAFLUSH drops keys typed before the prompt appeared: they were echoed, so they must
  // not become part of the secret.
  if (::tcsetattr(fd_, TCSAFLUSH, &t) == 0) active_ = true;
}

void echo_off::restore() {
  if (!active_) return;
  active_ = false;
  termios t{};
  if (::tcgetattr(fd_, &t) != 0) return;
  t.c_lflag = (t.c_lflag & ~static_cast<tcflag_t>(ECHO)) | (saved_lflag_ & ECHO);
  ::tcsetattr(fd_, TCSANOW, &t);
}

}  // namespace msgapp::ui::terminal
