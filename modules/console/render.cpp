// Styled lines to bytes; see render.hpp. Widths are in terminal columns (wcwidth), and a row is
// only ever broken between code points, so no UTF-8 character is split.
#include "render.hpp"

#include "msgapp/console/safe_text.hpp"

#include "terminal.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

namespace msgapp::ui::render {
namespace {

// One code point as shown: its bytes, its columns, and the span whose style it has.
struct cell {
  std::string_view bytes;
  int width;
  std::size_t span;
  bool space() const { return bytes == " "; }
};

std::string sgr(const style& s) {
  std::string codes;
  const auto add = [&](std::string_view code) {
    if (!codes.empty()) codes += ';';
    codes += code;
  };
  if (s.bold) add("1");
  if (s.dim) add("2");
  switch (s.fg) {
    case colour::none:
      break;
    case colour::red:
      add("31");
      break;
    case colour::green:
      add("32");
      break;
    case colour::yellow:
      add("33");
      break;
    case colour::blue:
      add("34");
      break;
    case colour::magenta:
      add("35");
      break;
    case colour::cyan:
      add("36");
      break;
  }
  return codes.empty() ? std::string() : "\x1b[" + codes + "m";
}

constexpr std::string_view reset = "\x1b[0m";

std::vector<cell> cells_of(const std::vector<std::string>& texts) {
  std::vector<cell> cells;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string_view rest = texts[i];
    while (!rest.empty()) {
      char32_t cp = 0;
      const std::size_t n = terminal::next_code_point(rest, cp);
      cells.push_back(cell{rest.substr(0, n), terminal::code_point_width(cp), i});
      rest.remove_prefix(n);
    }
  }
  return cells;
}

class writer {
 public:
  writer(const styled_line& line, const target& to) : line_(line), to_(to) {}

  void row(const std::vector<cell>& cells, std::size_t from, std::size_t to, std::size_t indent) {
    if (!out_.empty()) out_ += '\n';
    out_.append(indent, ' ');
    for (std::size_t i = from; i < to; ++i) {
      switch_to(line_.spans[cells[i].span].look);
      out_ += cells[i].bytes;
    }
    switch_to(style{});
  }

  std::string take() { return std::move(out_); }

 private:
  void switch_to(const style& s) {
    if (!to_.colour || s == current_) return;
    if (!current_.plain()) out_ += reset;
    out_ += sgr(s);
    current_ = s;
  }

  const styled_line& line_;
  const target& to_;
  std::string out_;
  style current_;
};

}  // namespace

std::string bytes(const styled_line& line, const target& to) {
  std::vector<std::string> texts;
  for (const auto& s : line.spans)
    texts.push_back(safe_text(to.terminal ? terminal::printable(s.text) : s.text));
  const std::vector<cell> cells = cells_of(texts);

  // The prefix's cells: continuation rows are indented by their width, and the spaces inside
  // the prefix ("12:01 bob: ") are no place to break.
  std::size_t prefix = 0;
  std::size_t indent = 0;
  while (prefix < cells.size() && cells[prefix].span < line.hang)
    indent += static_cast<std::size_t>(cells[prefix++].width);
  // On a narrow terminal an indent would leave too little room for the text.
  if (to.width <= 0 || indent * 2 > static_cast<std::size_t>(to.width)) indent = 0;

  writer out(line, to);
  if (to.width <= 0) {
    out.row(cells, 0, cells.size(), 0);
    return out.take();
  }
  std::size_t at = 0;
  bool first = true;
  do {
    const int room = std::max(1, to.width - static_cast<int>(first ? 0 : indent));
    int used = 0;
    std::size_t end = at;
    std::size_t last_space = cells.size();  // none
    while (end < cells.size() && used + cells[end].width <= room) {
      if (cells[end].space() && end >= prefix) last_space = end;
      used += cells[end++].width;
    }
    if (end < cells.size() && cells[end].space() && end >= prefix) last_space = end;
    if (end == cells.size()) {
      out.row(cells, at, end, first ? 0 : indent);
      break;
    }
    if (last_space != cells.size() && last_space > at) {
      out.row(cells, at, last_space, first ? 0 : indent);  // the space itself becomes the break
      at = last_space + 1;
    } else {
      if (end == at) ++end;  // a character wider than the room: it still has to go somewhere
      out.row(cells, at, end, first ? 0 : indent);
      at = end;
    }
    first = false;
  } while (at < cells.size());
  return out.take();
}

}  // namespace msgapp::ui::render
