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

// A busy client's reads (16 KiB in msgserver) usually end inside a line. Without this, every chatty
// connection would hold its largest read for as long as it stays busy: megabytes over a few
// hundred sessions, grown over hours and kept as heap fragments after they leave. One copy of
// the partial line per big read is the price.
void line_framer::keep_only(std::string_view partial) {
  if (buffer_.capacity() <= 2 * max_line_) return;
  std::string kept(partial);  // (partial points into buffer_)
  buffer_.swap(kept);  // not `= std::move(kept)`: that keeps the big buffer when kept is short
  begin_ = 0;
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
        keep_only(rest);
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
