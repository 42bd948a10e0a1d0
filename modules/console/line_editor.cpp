// libedit behind the console: rl_callback_* for keys, history, completion, and the redraw dance.
//
// Checked on a pty with libedit 3.1-20221030 (Debian 12): rl_redisplay() redraws, but it also
// pushes the tty's REPRINT key (^R) into libedit's input queue, where libedit has bound ^R to
// incremental search, so the user's next key starts a search that blocks until it ends.
// rl_replace_line("") does nothing at all. So print_above() clears the screen lines itself and
// asks for a full redraw with rl_forced_update_display(), which starts from the cursor's column 0
// on the prompt's row.
#include "line_editor.hpp"

#include "terminal.hpp"

#include <editline/readline.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace msgapp::ui::line_editor {
namespace {

struct editor {
  bool open = false;
  bool started = false;
  std::string prompt;
  std::optional<console_input> finished;  // set by on_line() inside rl_callback_read_char()
  std::string last_remembered;
  std::vector<std::string> commands;
  std::vector<std::string> names;
  std::vector<std::string> matches;  // candidates of the completion in progress
  std::size_t next_match = 0;
  // libedit keeps using these streams until the next rl_initialize() replaces its editor,
  // so they are closed then, not in close().
  std::FILE* in = nullptr;
  std::FILE* out = nullptr;
};

editor& ed() {
  static editor instance;
  return instance;
}

std::FILE* open_stream(int fd, const char* mode) {
  terminal::unique_fd copy = terminal::duplicate(fd);
  std::FILE* stream = ::fdopen(copy.get(), mode);
  if (stream == nullptr) throw std::system_error(errno, std::generic_category(), "console: fdopen");
  copy.release();
  return stream;
}

void on_line(char* line) {
  if (line != nullptr) {
    ed().finished = std::string(line);
    std::free(line);  // libedit strdup()s it and hands it over
  } else {
    ed().finished = tl::unexpected(input_end::eof);
  }
}

// libedit counts `start` in characters, the buffer holds bytes: walk code points in a
// multibyte locale, bytes otherwise (that is how libedit decoded the line).
bool is_first_word(int start) {
  const char* p = rl_line_buffer;
  const bool multibyte = MB_CUR_MAX > 1;
  for (int chars = 0; p != nullptr && *p != '\0' && chars < start; ++p) {
    if (!multibyte || (static_cast<unsigned char>(*p) & 0xC0) != 0x80) {
      if (*p != ' ') return false;
      ++chars;
    }
  }
  return true;
}

char* next_match(const char* /*text*/, int state) {
  editor& e = ed();
  if (state == 0) e.next_match = 0;
  if (e.next_match >= e.matches.size()) return nullptr;
  return ::strdup(e.matches[e.next_match++].c_str());  // libedit frees it
}

char** complete(const char* text, int start, int /*end*/) {
  // Without this libedit falls back to completing file names.
  rl_attempted_completion_over = 1;
  editor& e = ed();
  const std::string_view prefix(text);
  e.matches.clear();
  for (const std::string& word : is_first_word(start) ? e.commands : e.names) {
    if (word.starts_with(prefix)) e.matches.push_back(word);
  }
  if (e.matches.empty()) return nullptr;
  return rl_completion_matches(text, next_match);
}

// libedit decodes keys by LC_CTYPE, and in the "C" locale every program starts in it silently
// drops each byte above 127, so "héllo" would arrive as "hllo". The protocol is UTF-8: take the
// user's locale if it is multibyte, else C.UTF-8 (always present in glibc).
void use_utf8_ctype() {
  if (MB_CUR_MAX > 1) return;
  if (std::setlocale(LC_CTYPE, "") != nullptr && MB_CUR_MAX > 1) return;
  std::setlocale(LC_CTYPE, "C.UTF-8");
}

}  // namespace

void open(int in_fd, int out_fd) {
  editor& e = ed();
  if (e.open) throw std::logic_error("console: only one console may edit a terminal at a time");
  use_utf8_ctype();
  std::FILE* in = open_stream(in_fd, "r");
  std::FILE* out = open_stream(out_fd, "w");
  rl_instream = in;
  rl_outstream = out;
  // libedit's own handlers would re-send the signal to the whole process group with kill(0);
  // the console's net::signal_set owns SIGINT and friends instead.
  rl_catch_signals = 0;
  rl_readline_name = "msgapp";
  const int failed = rl_initialize();  // ends the previous editor, which used the old streams
  if (e.in != nullptr) std::fclose(e.in);
  if (e.out != nullptr) std::fclose(e.out);
  e.in = in;
  e.out = out;
  if (failed != 0) throw std::runtime_error("console: libedit could not initialise the terminal");
  rl_attempted_completion_function = complete;
  // Past this many matches libedit asks "Display all?" and reads the answer with a blocking
  // getc(stdin), which would stall the io_context (or read the wrong descriptor).
  rl_completion_query_items = INT_MAX;
  e.open = true;
  e.started = false;
  e.finished.reset();
  e.last_remembered.clear();
  e.commands.clear();
  e.names.clear();
}

void close() {
  stop();
  ed().open = false;
}

void start(std::string_view prompt) {
  editor& e = ed();
  e.prompt = prompt;
  e.finished.reset();
  e.started = true;
  rl_point = rl_end = 0;
  rl_callback_handler_install(e.prompt.c_str(), on_line);  // prints the prompt
}

std::optional<console_input> feed() {
  editor& e = ed();
  if (!e.started) return std::nullopt;
  // libedit updates rl_point and rl_end after a key only while the line holds text (an empty
  // line returns early), so they are zeroed first: otherwise they would tell of the last text.
  rl_point = rl_end = 0;
  rl_callback_read_char();
  if (!e.finished) return std::nullopt;
  // libedit has already left editing mode; removing the handler keeps the next
  // rl_callback_read_char() from reading a whole line in blocking mode.
  rl_callback_handler_remove();
  e.started = false;
  return std::exchange(e.finished, std::nullopt);
}

bool started() {
  return ed().started;
}

void stop() {
  editor& e = ed();
  if (!e.started) return;
  // Back to the terminal's normal mode. The half-typed line stays in libedit until the next
  // start() clears it.
  rl_callback_handler_remove();
  e.started = false;
}

namespace {

// Moves the cursor from where it is in the input up to the prompt's first column and clears
// the screen below: libedit then draws prompt and input again from there.
std::string back_to_prompt(int out_fd) {
  editor& e = ed();
  std::fflush(rl_outstream);
  const std::string_view typed =
      rl_line_buffer == nullptr || rl_point <= 0
          ? std::string_view()
          : std::string_view(rl_line_buffer, static_cast<std::size_t>(rl_point));
  const std::size_t before = terminal::display_width(e.prompt) + terminal::display_width(typed);
  const std::size_t rows_up = before / static_cast<std::size_t>(terminal::columns(out_fd));
  std::string out;
  if (rows_up > 0) out += "\x1b[" + std::to_string(rows_up) + "A";
  out += "\r\x1b[J";
  return out;
}

}  // namespace

void print_above(int out_fd, std::string_view text) {
  editor& e = ed();
  std::string out;
  if (e.started) out = back_to_prompt(out_fd);
  out += text;
  out += '\n';
  terminal::write_all(out_fd, out);
  if (e.started) rl_forced_update_display();
}

bool has_text() {
  return ed().started && rl_end > 0;
}

void clear_line(int out_fd) {
  editor& e = ed();
  if (!e.started) return;
  terminal::write_all(out_fd, back_to_prompt(out_fd));
  // Removing the handler and installing it again gives an empty line (rl_replace_line("")
  // does nothing in this libedit), and the install draws the prompt.
  const std::string prompt = e.prompt;
  stop();
  start(prompt);
}

void set_prompt(int out_fd, std::string_view prompt) {
  editor& e = ed();
  if (!e.started) {
    e.prompt = prompt;
    return;
  }
  terminal::write_all(out_fd, back_to_prompt(out_fd));
  e.prompt = prompt;
  rl_set_prompt(e.prompt.c_str());
  rl_forced_update_display();
}

bool remember(const std::string& line) {
  editor& e = ed();
  if (line.empty() || line == e.last_remembered) return false;
  add_history(line.c_str());
  e.last_remembered = line;
  return true;
}

void limit_history(std::size_t max) {
  stifle_history(static_cast<int>(max));
}

void set_commands(std::vector<std::string> commands) {
  ed().commands = std::move(commands);
}

void set_names(std::vector<std::string> names) {
  ed().names = std::move(names);
}

}  // namespace msgapp::ui::line_editor
