// The only code that touches libedit: one global editor, so free functions rather than a class.
#pragma once

// libedit's readline-compatible callback interface keeps its single editor in global variables;
// pretending otherwise with an object per console would only hide that.

#include <msgapp/console/console.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace msgapp::ui::line_editor {

// Binds the editor to a terminal; both descriptors must stay open until close(). Throws
// std::logic_error when another console holds the editor already.
void open(int in_fd, int out_fd);
void close();

// Shows the prompt and switches the terminal to editing mode. From then on every key waiting
// on the terminal goes through feed(), which returns the finished line (or eof after Ctrl-D on
// an empty line); the terminal is then back in its normal mode.
void start(std::string_view prompt);
std::optional<console_input> feed();
bool started();

// Leaves the line unfinished (Ctrl-C, cancellation) and puts the terminal back to normal.
void stop();

// Prints text on its own line where the prompt was, then redraws the prompt and the
// half-typed input below it with the cursor where it was.
void print_above(int out_fd, std::string_view text);

// Whether the line being edited holds any text.
bool has_text();
// Empties the line being edited and draws the prompt afresh where the line was.
void clear_line(int out_fd);
// A new prompt for the line being edited, redrawn at once.
void set_prompt(int out_fd, std::string_view prompt);

// Adds a line to the history that Up and Down walk through; false when it was not added (empty,
// or the same as the line before). The history keeps its newest `max` lines.
bool remember(const std::string& line);
void limit_history(std::size_t max);

// Words offered by Tab: commands for the first word of a line, names after it.
void set_commands(std::vector<std::string> commands);
void set_names(std::vector<std::string> names);

}  // namespace msgapp::ui::line_editor
