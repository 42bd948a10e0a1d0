// Loading the accounts file: one `username password` per line, blank lines and # comments.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "msgapp/protocol/limits.hpp"

namespace msgapp::server {

using credentials = std::map<std::string, std::string, std::less<>>;  // name -> password

// Parses the text of a credentials file; errors name the file and the line.
tl::expected<credentials, std::string> parse_credentials(std::string_view text,
                                                         std::string_view file_name,
                                                         const protocol::limits& lim);

tl::expected<credentials, std::string> load_credentials(const std::string& path,
                                                        const protocol::limits& lim);

}  // namespace msgapp::server
