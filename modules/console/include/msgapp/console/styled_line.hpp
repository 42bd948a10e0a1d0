// A line in styled parts, so colour codes are ours alone: the console adds them after safe_text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace msgapp::ui {

enum class colour : std::uint8_t { none, red, green, yellow, blue, magenta, cyan };

struct style {
  colour fg = colour::none;
  bool bold = false;
  bool dim = false;

  bool plain() const { return fg == colour::none && !bold && !dim; }
  friend bool operator==(const style&, const style&) = default;
};

struct span {
  std::string text;  // any bytes: the console makes them safe before they are shown
  ui::style look;
};

// What console::print_line(const styled_line&) shows. The text of every span goes through
// safe_text (and on a terminal through the C0 filter too), so a span cannot carry an escape;
// the style becomes SGR codes only when the console uses colour. On a terminal a line longer
// than the terminal is wide wraps at spaces, and its continuation rows are indented by the
// width of the first `hang` spans (the `12:01 bob: ` before the text).
struct styled_line {
  std::vector<span> spans;
  std::size_t hang = 0;

  styled_line& add(std::string_view text, style look = {});
  // Marks everything added so far as the prefix that continuation rows are indented under.
  styled_line& text_starts_here();
  // The text without any style: what a pipe shows when colour is off.
  std::string plain() const;
};

}  // namespace msgapp::ui
