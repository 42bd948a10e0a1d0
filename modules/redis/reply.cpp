// Owned copies of hiredis replies, and their printed form.
#include "reply_copy.hpp"

#include <fmt/format.h>

namespace msgapp::redis {
namespace detail {

reply copy_reply(const redisReply& r) {
  reply out;
  switch (r.type) {
    case REDIS_REPLY_INTEGER:
      out.type = reply::kind::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = reply::kind::string;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = reply::kind::status;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = reply::kind::error;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i)
        out.elements.push_back(copy_reply(*r.element[i]));
      break;
    default:  // REDIS_REPLY_NIL
      break;
  }
  return out;
}

}  // namespace detail

std::string to_string(const reply& r) {
  switch (r.type) {
    case reply::kind::nil:
      return "(nil)";
    case reply::kind::integer:
      return fmt::format("(integer) {}", r.integer);
    case reply::kind::string:
      return fmt::format("\"{}\"", r.text);
    case reply::kind::status:
      return r.text;
    case reply::kind::error:
      return "(error) " + r.text;
    case reply::kind::array:
      break;
  }
  std::string out = "[";
  for (std::size_t i = 0; i < r.elements.size(); ++i) {
    if (i > 0) out += ", ";
    out += to_string(r.elements[i]);
  }
  return out + "]";
}

}  // namespace msgapp::redis
