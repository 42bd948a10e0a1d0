// Splits a byte stream into '\n'-terminated lines with a hard length cap.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace msgapp::protocol {

// Bytes go in with feed(); complete lines come out of next(). A line longer than max_line
// (counting its '\n') is reported once as `too_long` and the rest of it is skipped, so the
// connection stays usable. Memory is released whenever every buffered byte has been consumed,
// so an idle connection's framer holds nothing; and a big read that ends inside a line leaves
// only that line's bytes held (at most about 2 x max_line), not the whole read.
class line_framer {
 public:
  struct line {
    std::string_view
        text;  // without '\n' or a trailing '\r'; valid until the next feed() or next()
    bool too_long = false;
  };

  explicit line_framer(std::size_t max_line) : max_line_(max_line) {}

  void feed(std::string_view bytes);
  std::optional<line> next();

  // Bytes buffered but not yet returned as lines (a partial line, or lines not yet taken).
  std::size_t buffered() const { return buffer_.size() - begin_; }
  // Bytes of memory held for them.
  std::size_t capacity() const { return buffer_.capacity(); }

 private:
  void keep_only(std::string_view partial);

  std::size_t max_line_;
  std::string buffer_;
  std::size_t begin_ = 0;    // first byte not yet returned
  std::size_t scanned_ = 0;  // bytes from begin_ known to hold no '\n'
  bool skipping_ = false;    // discarding the tail of an over-long line
};

}  // namespace msgapp::protocol
