// POSIX descriptor and terminal helpers for the console, kept apart so console.cpp reads as policy.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace msgapp::ui::terminal {

// Owns one descriptor; closes it once.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept;
  ~unique_fd() { reset(); }

  int get() const { return fd_; }
  int release();
  void reset();

 private:
  int fd_ = -1;
};

// A close-on-exec duplicate of fd; throws std::system_error when the process is out of them.
unique_fd duplicate(int fd);

bool is_terminal(int fd);

// TERM names a terminal that understands the ANSI cursor sequences the console sends
// (anything but unset or "dumb", which is what Emacs shell buffers and some CI runners use).
bool term_is_capable();

// Writes everything, waiting out EAGAIN and EINTR (a terminal shared with a program that made
// it non-blocking must not lose lines). Gives up silently on other errors: a closed terminal
// has nobody left to tell.
void write_all(int fd, std::string_view bytes);

// Bytes the kernel holds for reading right now.
std::size_t bytes_ready(int fd);

// The other side is gone (terminal hang-up, error): reading would never yield a line again.
bool hung_up(int fd);

// Width of the terminal on fd, or 80 when it does not say.
int columns(int fd);

// Columns taken by UTF-8 text, by wcwidth (a character the locale does not know counts 1).
// Bytes between '\1' and '\2' take none: they mark a prompt's colour codes, as in readline.
std::size_t display_width(std::string_view utf8);

// The code point that `utf8` starts with, and how many bytes it takes (a byte that does not
// start valid UTF-8 is one code point of its own).
std::size_t next_code_point(std::string_view utf8, char32_t& cp);

// Columns one code point takes: 0 for combining marks, 2 for wide (CJK, most emoji), else 1.
int code_point_width(char32_t cp);

// The line with control characters (C0 but tab, and DEL) shown as '?', so text that came from the
// network cannot move the cursor, clear the screen or retitle the window.
std::string printable(std::string_view line);

// Turns echo off on a terminal; restore() (or the destructor) puts the saved settings back.
class echo_off {
 public:
  explicit echo_off(int fd);
  ~echo_off() { restore(); }
  echo_off(const echo_off&) = delete;
  echo_off& operator=(const echo_off&) = delete;

  void restore();

 private:
  int fd_;
  bool active_ = false;
  unsigned saved_lflag_ = 0;
};

}  // namespace msgapp::ui::terminal
