// Styled lines to bytes: safe text first, then our SGR codes, then word-wrapped rows.
#pragma once

#include <msgapp/console/styled_line.hpp>

#include <string>

namespace msgapp::ui::render {

struct target {
  bool terminal = false;  // C0 controls shown as '?' first, as for plain lines
  bool colour = false;    // SGR codes for the styles
  int width = 0;          // wrap rows at this many columns; 0: one row, however long
};

// The rows of the line joined by '\n', without a final one. Every style is reset before a row
// ends, so an indent, the prompt or the next line never inherits a colour.
std::string bytes(const styled_line& line, const target& to);

}  // namespace msgapp::ui::render
