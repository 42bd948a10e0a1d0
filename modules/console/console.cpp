// The console: picks how to read (libedit, plain terminal, pipe) and keeps prints off the input.
#include "msgapp/console/console.hpp"

#include "msgapp/console/history_file.hpp"
#include "msgapp/console/safe_text.hpp"

#include "line_editor.hpp"
#include "render.hpp"
#include "terminal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <utility>

namespace msgapp::ui {

using namespace net::experimental::awaitable_operators;

struct console::state {
  // What the terminal's bottom line shows, so print_line() knows what to redraw.
  enum class screen { idle, editing, password };

  state(net::any_io_executor ex, int in_fd, int out_fd, std::size_t max)
      : max_line(max),
        out(terminal::duplicate(out_fd)),
        in(ex, terminal::duplicate(in_fd).release()),
        signals(ex, SIGINT, SIGTERM, SIGHUP),
        in_tty(terminal::is_terminal(in_fd)),
        out_tty(terminal::is_terminal(out_fd)),
        can_edit(in_tty && out_tty && terminal::term_is_capable()) {
    in_flags = ::fcntl(in.native_handle(), F_GETFL);
    if (in_tty) {
      // Asio sets O_NONBLOCK before its first wait. That flag belongs to the open file
      // description, which a terminal's stdin shares with stdout, stderr and the shell, so
      // their writes would start failing with EAGAIN. Let Asio think it is done, then undo it:
      // a terminal is only waited on through Asio, and read (by us or by libedit) only after
      // the wait says there is input.
      in.native_non_blocking(true);
      ::fcntl(in.native_handle(), F_SETFL, in_flags);
    }
    if (can_edit) line_editor::open(in.native_handle(), out.get());
  }

  ~state() { close(); }

  void write(std::string_view bytes) {
    if (out.get() >= 0) terminal::write_all(out.get(), bytes);
  }

  // Puts the terminal back to normal after a read, however it ended. `newline` moves the
  // cursor off a line the terminal did not end itself (Ctrl-C, Ctrl-D, an unechoed Enter).
  void leave_screen(bool newline) {
    switch (shown) {
      case screen::idle:
        return;
      case screen::editing:
        line_editor::stop();
        break;
      case screen::password:
        echo.reset();
        break;
    }
    shown = screen::idle;
    if (newline && in_tty) write("\n");
  }

  void close() {
    if (closed) return;
    leave_screen(true);
    closed = true;
    if (can_edit) line_editor::close();
    net::error_code ignored;
    signals.cancel(ignored);
    signals.clear(ignored);
    if (in.is_open()) {
      ::fcntl(in.native_handle(), F_SETFL, in_flags);  // Asio leaves pipes non-blocking
      in.close(ignored);                               // a pending wait ends: the read sees eof
    }
    out.reset();
  }

  std::size_t max_line;
  terminal::unique_fd out;
  net::posix::stream_descriptor in;
  net::signal_set signals;
  int in_flags = 0;
  bool in_tty;
  bool out_tty;
  bool can_edit;
  bool colour = false;
  screen shown = screen::idle;
  std::optional<terminal::echo_off> echo;
  std::string password_prompt;
  std::string history_file;                // empty: the history lasts as long as the program
  std::vector<std::string> history_lines;  // what history_file holds, oldest first, bounded
  std::string pending;                     // pipe input read past the last line
  bool skipping = false;                   // discarding the rest of an over-long piped line
  bool at_eof = false;  // a pipe is never read again after eof: Asio 1.22 would hang
  bool reading = false;
  bool closed = false;
};

namespace {

using state_ptr = std::shared_ptr<console::state>;
using screen = console::state::screen;

console_input ended(input_end why) {
  return tl::unexpected(why);
}

// Marks the one read in progress, and always unmarks it.
class read_scope {
 public:
  explicit read_scope(state_ptr s) : s_(std::move(s)) {
    if (s_->reading) throw std::logic_error("console: only one read may be pending at a time");
    s_->reading = true;
  }
  ~read_scope() { s_->reading = false; }
  read_scope(const read_scope&) = delete;
  read_scope& operator=(const read_scope&) = delete;

 private:
  state_ptr s_;
};

// Owns the terminal's bottom line for one read and hands it back on every path out,
// including exceptions and a coroutine frame destroyed while suspended.
class screen_scope {
 public:
  screen_scope(state_ptr s, screen shown) : s_(std::move(s)) { s_->shown = shown; }
  ~screen_scope() { s_->leave_screen(newline_); }
  screen_scope(const screen_scope&) = delete;
  screen_scope& operator=(const screen_scope&) = delete;

  void ended_on_new_line() { newline_ = false; }

 private:
  state_ptr s_;
  bool newline_ = true;
};

std::string without_line_end(std::string line) {
  if (!line.empty() && line.back() == '\n') line.pop_back();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

enum class wake { input, ctrl_c, signal, closed };

// Waits until the terminal has input or a signal arrives (a signal that came between reads
// is queued by the signal_set and ends this wait at once).
awaitable<wake> wait_input(state_ptr s) {
  auto woke = co_await (s->in.async_wait(net::posix::descriptor_base::wait_read, use_nothrow) ||
                        s->signals.async_wait(use_nothrow));
  if (woke.index() == 1) {
    const auto [ec, number] = std::get<1>(woke);
    if (ec) co_return wake::closed;
    co_return number == SIGINT ? wake::ctrl_c : wake::signal;
  }
  co_return std::get<0>(std::get<0>(woke)) ? wake::closed : wake::input;
}

// Pipes, files, /dev/null: Asio reads whole lines, capped. An over-long line is reported as
// soon as the cap is reached, and its tail is skipped by the reads that follow.
awaitable<console_input> read_piped(state_ptr s) {
  // Room for max_line bytes plus "\r\n", so the length check below sees the real text.
  const std::size_t cap = s->max_line + 2;
  for (;;) {
    auto got = co_await (
        net::async_read_until(s->in, net::dynamic_buffer(s->pending, cap), '\n', use_nothrow) ||
        s->signals.async_wait(use_nothrow));
    if (got.index() == 1) {
      co_return ended(std::get<0>(std::get<1>(got)) ? input_end::eof : input_end::interrupted);
    }
    const auto [ec, n] = std::get<0>(got);
    if (!ec) {
      std::string line = without_line_end(s->pending.substr(0, n));
      s->pending.erase(0, n);
      if (std::exchange(s->skipping, false)) continue;  // that was the tail of a long line
      if (line.size() > s->max_line) co_return ended(input_end::too_long);
      co_return line;
    }
    if (ec == net::error::not_found) {  // the cap is full and holds no '\n'
      s->pending.clear();
      if (!std::exchange(s->skipping, true)) co_return ended(input_end::too_long);
      continue;
    }
    // End of input, a read error or close(): there will be no more lines.
    s->at_eof = true;
    std::string last = std::exchange(s->pending, {});
    if (ec == net::error::eof && !last.empty() && !s->skipping) {
      last = without_line_end(std::move(last));  // the last line had no '\n'
      if (last.size() > s->max_line) co_return ended(input_end::too_long);
      co_return last;
    }
    co_return ended(input_end::eof);
  }
}

// A terminal in its normal (canonical) mode: the kernel edits the line and hands it over whole
// after Enter, so a wait followed by read() never blocks.
awaitable<console_input> read_tty_line(state_ptr s) {
  std::string line;
  bool too_long = false;
  for (;;) {
    const wake w = co_await wait_input(s);
    if (w == wake::signal || w == wake::ctrl_c) co_return ended(input_end::interrupted);
    if (w == wake::closed) co_return ended(input_end::eof);
    char chunk[1024];
    const ssize_t n = ::read(s->in.native_handle(), chunk, sizeof chunk);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    if (n < 0 || (n == 0 && line.empty())) co_return ended(input_end::eof);  // Ctrl-D, hang-up
    if (n == 0) break;  // Ctrl-D twice after some text: take the text as the line
    line.append(chunk, static_cast<std::size_t>(n));
    const bool complete = line.back() == '\n';
    if (line.size() > s->max_line + 2) {  // keep reading to the '\n', but keep nothing
      too_long = true;
      line.clear();
    }
    if (complete) break;
  }
  line = without_line_end(std::move(line));
  if (too_long || line.size() > s->max_line) co_return ended(input_end::too_long);
  co_return line;
}

// A capable terminal: libedit edits the line. It reads the keys itself, one per call, once the
// wait says there are some.
// Adds a line to the editor's history, and to the file when the history is kept.
void remember(console::state& s, const std::string& line) {
  if (!line_editor::remember(line) || s.history_file.empty()) return;
  s.history_lines.push_back(line);
  if (s.history_lines.size() > max_history_lines) s.history_lines.erase(s.history_lines.begin());
  (void)save_history(s.history_file, s.history_lines,
                     max_history_lines);  // else kept in memory only
}

awaitable<console_input> read_edited(state_ptr s, std::string prompt, history h) {
  screen_scope scope(s, screen::editing);
  line_editor::start(prompt);
  const int fd = s->in.native_handle();
  for (;;) {
    // Take every key already waiting (a paste, an arrow key's escape sequence) before waiting
    // again; otherwise each byte would cost a wait, and each wait races two coroutines.
    while (line_editor::started() && terminal::bytes_ready(fd) > 0) {
      const std::size_t waiting = terminal::bytes_ready(fd);
      std::optional<console_input> done = line_editor::feed();
      if (!done) {
        // libedit took no byte: either it replayed a key macro (fine, go on) or the terminal
        // is gone and its reads fail, which would spin here for ever.
        if (terminal::bytes_ready(fd) >= waiting && terminal::hung_up(fd)) {
          co_return ended(input_end::eof);
        }
        continue;
      }
      if (!*done) co_return ended(input_end::eof);  // Ctrl-D on an empty line
      scope.ended_on_new_line();
      if ((*done)->size() > s->max_line) co_return ended(input_end::too_long);
      if (h == history::keep) remember(*s, **done);
      co_return std::move(*done);
    }
    const wake w = co_await wait_input(s);
    if (w == wake::ctrl_c && line_editor::has_text()) {  // as in a shell: the line goes, not us
      line_editor::clear_line(s->out.get());
      continue;
    }
    if (w == wake::signal || w == wake::ctrl_c) co_return ended(input_end::interrupted);
    if (w == wake::closed) co_return ended(input_end::eof);
    if (terminal::bytes_ready(fd) == 0 && terminal::hung_up(fd)) co_return ended(input_end::eof);
  }
}

awaitable<console_input> read_input(state_ptr s, std::string prompt, bool secret, history h) {
  if (s->closed || s->at_eof) co_return ended(input_end::eof);
  read_scope busy(s);
  if (!s->in_tty) co_return co_await read_piped(s);
  if (secret) {
    // Echo goes off before the prompt appears, so no typed key is ever shown.
    s->echo.emplace(s->in.native_handle());
    s->password_prompt = prompt;
    screen_scope scope(s, screen::password);
    s->write(prompt);
    co_return co_await read_tty_line(s);
  }
  if (s->can_edit) co_return co_await read_edited(s, std::move(prompt), h);
  std::erase_if(prompt, [](char c) { return c == '\1' || c == '\2'; });  // only for libedit
  s->write(prompt);
  co_return co_await read_tty_line(s);
}

}  // namespace

console::console(net::any_io_executor ex, std::size_t max_line)
    : console(std::move(ex), STDIN_FILENO, STDOUT_FILENO, max_line) {}

console::console(net::any_io_executor ex, int in_fd, int out_fd, std::size_t max_line)
    : state_(std::make_shared<state>(std::move(ex), in_fd, out_fd, max_line)) {}

console::~console() {
  close();
}

bool console::interactive() const {
  return state_->in_tty;
}

bool console::input_waiting() const {
  state& s = *state_;  // native_handle() is not const
  if (s.closed || s.at_eof) return false;
  return !s.pending.empty() || terminal::bytes_ready(s.in.native_handle()) > 0;
}

awaitable<console_input> console::read_line(std::string prompt, history h) {
  return read_input(state_, std::move(prompt), false, h);
}

awaitable<console_input> console::read_password(std::string prompt) {
  return read_input(state_, std::move(prompt), true, history::skip);
}

void console::print_line(std::string_view line) {
  state& s = *state_;
  if (s.closed) return;
  if (!s.out_tty) {  // a pipe or file gets the bytes as they are, one write per line
    std::string out(line);
    out += '\n';
    s.write(out);
    return;
  }
  // C0 as '?' first (what a terminal always got), then what reaches past it: C1 controls such as
  // the 8-bit CSI, invalid UTF-8 and bidi controls.
  const std::string shown = safe_text(terminal::printable(line));
  if (s.shown == state::screen::editing) {
    line_editor::print_above(s.out.get(), shown);
  } else if (s.shown == state::screen::password && s.can_edit) {
    s.write("\r\x1b[K" + shown + "\n" + s.password_prompt);  // typed keys are invisible anyway
  } else {
    s.write(shown + "\n");
  }
}

void console::print_line(const styled_line& line) {
  state& s = *state_;
  if (s.closed) return;
  render::target to{.terminal = s.out_tty, .colour = s.colour, .width = 0};
  if (s.out_tty) to.width = terminal::columns(s.out.get());
  const std::string shown = render::bytes(line, to);
  if (!s.out_tty) {
    s.write(shown + "\n");
  } else if (s.shown == state::screen::editing) {
    line_editor::print_above(s.out.get(), shown);
  } else if (s.shown == state::screen::password && s.can_edit) {
    s.write("\r\x1b[K" + shown + "\n" + s.password_prompt);
  } else {
    s.write(shown + "\n");
  }
}

void console::print_error_line(const styled_line& line) {
  const render::target to{.terminal = false, .colour = state_->colour, .width = 0};
  const std::string shown = render::bytes(line, to) + "\n";
  std::fwrite(shown.data(), 1, shown.size(), stderr);  // stderr is unbuffered: one write
}

bool console::terminal_output() const {
  return state_->out_tty;
}

bool console::ansi_output() const {
  return state_->out_tty && terminal::term_is_capable();
}

void console::use_colour(bool on) {
  state_->colour = on;
}

void console::bell() {
  if (state_->out_tty && !state_->closed) state_->write("\a");
}

void console::set_prompt(std::string prompt) {
  if (state_->can_edit && !state_->closed && state_->shown == state::screen::editing) {
    line_editor::set_prompt(state_->out.get(), prompt);
  }
}

void console::set_commands(std::vector<std::string> commands) {
  if (state_->can_edit && !state_->closed) line_editor::set_commands(std::move(commands));
}

void console::set_names(std::vector<std::string> names) {
  if (state_->can_edit && !state_->closed) line_editor::set_names(std::move(names));
}

void console::keep_history(const std::string& file) {
  state& s = *state_;
  if (!s.can_edit || s.closed || file.empty()) return;
  line_editor::limit_history(max_history_lines);
  s.history_lines = load_history(file, max_history_lines);
  for (const auto& line : s.history_lines)
    line_editor::remember(line);
  s.history_file = file;
}

void console::close() {
  state_->close();
}

}  // namespace msgapp::ui
