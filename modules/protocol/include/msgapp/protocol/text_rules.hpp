// What a valid line, name and password look like: UTF-8, no control bytes, bounded sizes.
#pragma once

#include <string_view>

#include <tl/expected.hpp>

#include "msgapp/protocol/error.hpp"
#include "msgapp/protocol/limits.hpp"

namespace msgapp::protocol {

bool is_valid_utf8(std::string_view s);

// Checks a received line (without its '\n'): not empty, UTF-8, no control bytes.
tl::expected<void, error> check_line(std::string_view line);

// A user name: 1..max_name bytes of A-Z a-z 0-9 _ . -
bool is_valid_name(std::string_view name, const limits& lim);

// A password: 1..max_password bytes, no spaces and no control bytes.
bool is_valid_password(std::string_view password, const limits& lim);

}  // namespace msgapp::protocol
