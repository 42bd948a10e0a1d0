// The terminal side of msgclient: reads typed lines while other coroutines print their own.
#pragma once

#include <msgapp/console/styled_line.hpp>
#include <msgapp/net.hpp>
#include <tl/expected.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace msgapp::ui {

// Why a read returned no line. None of these is an error in the program: the user caused them.
enum class input_end {
  eof,          // end of input: Ctrl-D on a terminal, the end of a pipe or file, or close()
  interrupted,  // Ctrl-C (SIGINT), SIGTERM or SIGHUP: log out and stop
  too_long,     // the line was longer than max_line; it was discarded and reading can go on
};

using console_input = tl::expected<std::string, input_end>;

// Whether a line read joins the history (Up and Down, and the history file): a user name
// typed at a login prompt must not.
enum class history { keep, skip };

// When input and output are terminals, lines are edited with libedit (history, Tab completion)
// and print_line() clears the prompt, prints, then redraws the prompt and the half-typed line.
// When input is not a terminal (a pipe, a file, a script), lines are read plainly, no prompt is
// written, and end of input is `eof`. Every print goes out at once, unbuffered.
//
// Signals: while a console exists, SIGINT, SIGTERM and SIGHUP are caught. One that arrives
// during a read ends it with `interrupted`, except Ctrl-C (SIGINT) while a terminal is edited
// and the line holds text: that clears the line, as shells do, and the read goes on; one that
// arrives between reads is kept and ends the next read at once. So a main loop handles a line, end
// of input and Ctrl-C in one place:
//
//   for (;;) {
//     auto in = co_await con.read_line("> ");
//     if (!in && in.error() == ui::input_end::too_long) continue;
//     if (!in) break;  // eof or interrupted: log out
//     ...
//   }
//
// libedit keeps global state, so only one console at a time may edit a terminal; a second
// one is a bug (std::logic_error). That console also switches LC_CTYPE to a UTF-8 locale when
// the current one is single-byte (the "C" locale of every program that never calls setlocale),
// because libedit drops the bytes of non-ASCII characters it cannot decode.
// Everything runs on the executor's one thread; no member may be called from another thread.
class console {
 public:
  // Standard input and standard output. Lines longer than `max_line` bytes are `too_long`; the
  // limit belongs to whoever reads the lines (msgclient: the protocol's), so it has no default.
  console(net::any_io_executor ex, std::size_t max_line);

  // Any pair of descriptors (pipes, a pseudo-terminal): both are duplicated, so the caller
  // still owns and closes its own.
  console(net::any_io_executor ex, int in_fd, int out_fd, std::size_t max_line);

  ~console();  // close()
  console(const console&) = delete;
  console& operator=(const console&) = delete;

  // True when input is a terminal: a person types, so prompts are shown.
  bool interactive() const;

  // True when input that no read has returned yet is already here: read ahead into the
  // console's buffer, or held by the kernel. Answers at once and reads nothing, so msgclient
  // can tell a line typed ahead from one written in answer to what it just printed.
  bool input_waiting() const;

  // One line without its '\n' (nor a trailing '\r'). Only one read may be pending at a time.
  awaitable<console_input> read_line(std::string prompt, history h = history::keep);

  // Like read_line, but a terminal does not echo what is typed, and the line goes to no history.
  // Echo is restored on every path: the line, Ctrl-C, end of input, cancellation, close().
  awaitable<console_input> read_password(std::string prompt);

  // Writes one line. On a terminal, C0 controls and DEL are shown as '?', and C1 controls,
  // invalid UTF-8 and bidi controls as safe_text() shows them, so no text can move the cursor
  // or retitle the window. A pipe gets the bytes as they are: callers pass text from the
  // network through safe_text() themselves (msgclient's display does), on every output.
  void print_line(std::string_view line);

  // Writes a line made of styled parts (see styled_line.hpp): each part's text made safe as
  // above (through a pipe too), then the style's SGR codes when use_colour(true) was called.
  // On a terminal a long line wraps at spaces to the terminal's width (80 when it does not
  // say), its continuation rows indented under the text; a pipe gets one line, however long.
  void print_line(const styled_line& line);
  // The same line, as a pipe would get it, on stderr (one write): where pipe mode sends errors.
  void print_error_line(const styled_line& line);

  // True when output is a terminal (wrapping, the bell), of whatever kind.
  bool terminal_output() const;
  // True when output is a terminal that understands ANSI sequences (TERM set, and not dumb).
  bool ansi_output() const;
  // Off at first. Styles become SGR codes only while it is on (a pipe too, if so asked).
  void use_colour(bool on);
  // Rings the terminal's bell (BEL); nothing when output is not a terminal.
  void bell();
  // Replaces the prompt of the line being edited (a read started later gets its own prompt).
  void set_prompt(std::string prompt);

  // Words offered by Tab when a terminal is edited: commands for the first word of a line,
  // names (the users online, say) for the words after it. Either may be replaced at any time.
  void set_commands(std::vector<std::string> commands);
  void set_names(std::vector<std::string> names);

  // Keeps the history in `file` between runs (history_file.hpp): its lines are loaded now, and
  // the file is rewritten after each line kept, bounded by max_history_lines. Only when a
  // terminal is edited; a pipe has no history. A file that cannot be written is left as it is.
  void keep_history(const std::string& file);

  // Restores the terminal, ends a pending read with `eof`, and releases the descriptors and
  // signals. Later reads return `eof` and later prints do nothing. Idempotent.
  void close();

  struct state;  // shared with pending reads, so a read that outlives the console stays valid

 private:
  std::shared_ptr<state> state_;
};

}  // namespace msgapp::ui
