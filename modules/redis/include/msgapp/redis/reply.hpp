// A Redis reply as an owned value, and the result of a command: a reply or why there is none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace msgapp::redis {

// An owned copy of a hiredis reply. A Redis error ("ERR ...") is a reply of kind error.
struct reply {
  enum class kind { nil, integer, string, status, array, error };
  kind type = kind::nil;
  std::int64_t integer = 0;
  std::string text;             // string, status, error
  std::vector<reply> elements;  // array
};

// A reply, or why there is none: not connected, connection lost, timed out, too many
// pending (the text says which).
using result = tl::expected<reply, std::string>;

// For logs and test messages: `(integer) 3`, `"text"`, `(error) ERR ...`, `[a, b]`, `(nil)`.
std::string to_string(const reply& r);

}  // namespace msgapp::redis
