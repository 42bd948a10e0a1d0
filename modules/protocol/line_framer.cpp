// Line framing with a length cap; see line_framer.hpp for the contract.
#include "msgapp/protocol/line_framer.hpp"

namespace msgapp::protocol {

void line_framer::feed(std::string_view bytes) {
  if (begin_ > 0) {  // compact before growing, so views handed out earlier may now move
    buffer_.erase(0, begin_);
    begin_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<line_framer::line> line_framer::next() {
  while (begin_ < buffer_.size()) {
    const std::string_view rest = std::string_view(buffer_).substr(begin_);
    const std::size_t nl = rest.find('\n', scanned_);
    if (skipping_) {
      if (nl == std::string_view::npos) break;  // everything buffered belongs to the long line
      skipping_ = false;
      begin_ += nl + 1;
      scanned_ = 0;
      continue;
    }
    if (nl == std::string_view::npos) {
      if (rest.size() < max_line_) {
        scanned_ = rest.size();
        return std::nullopt;  // a partial line: wait for more bytes
      }
      skipping_ = true;  // max_line bytes and still no '\n': report now, drop the rest
      begin_ = buffer_.size();
      scanned_ = 0;
      return line{{}, true};
    }
    begin_ += nl + 1;
    scanned_ = 0;
    if (nl + 1 > max_line_) return line{{}, true};
    std::string_view text = rest.substr(0, nl);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    return line{text, false};
  }
  // Everything consumed: give the memory back (an idle connection holds no buffer).
  std::string().swap(buffer_);
  begin_ = 0;
  scanned_ = 0;
  return std::nullopt;
}

}  // namespace msgapp::protocol
