// A small JSON writer for --json: one object per line, every string escaped (RFC 8259).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace msgapp::apps {

// `text` as a JSON string, quotes included. Valid UTF-8 passes as it is, except what a terminal
// would obey or a reader could trip on: controls (C0, DEL, C1), bidi overrides and isolates,
// and U+2028/U+2029 become \uNNNN. A byte that is not UTF-8 becomes \ufffd, so the output is
// always valid JSON, whatever the network sent.
std::string json_string(std::string_view text);

// Builds `{"key":value,...}` in the order the fields are added. The methods have different
// names because a string literal would otherwise pick the bool overload.
class json_object {
 public:
  json_object& text(std::string_view key, std::string_view value);
  json_object& number(std::string_view key, std::uint64_t value);
  json_object& flag(std::string_view key, bool value);
  json_object& texts(std::string_view key, const std::vector<std::string>& values);

  std::string str() const { return out_ + '}'; }

 private:
  void key(std::string_view k);
  std::string out_ = "{";
};

}  // namespace msgapp::apps
