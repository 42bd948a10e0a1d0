// Building styled lines; see styled_line.hpp.
#include "msgapp/console/styled_line.hpp"

namespace msgapp::ui {

styled_line& styled_line::add(std::string_view text, style look) {
  if (!text.empty()) spans.push_back(span{std::string(text), look});
  return *this;
}

styled_line& styled_line::text_starts_here() {
  hang = spans.size();
  return *this;
}

std::string styled_line::plain() const {
  std::string out;
  for (const auto& s : spans)
    out += s.text;
  return out;
}

}  // namespace msgapp::ui
