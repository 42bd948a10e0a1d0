// The naming scheme msgbench logs in with, written out as a msgserver credentials file.
#pragma once

#include <cstddef>
#include <string>

namespace msgbench {

// Writes "<prefix><i> <password>" for i in 0..count-1, one per line; returns "" or the error.
std::string write_credentials(const std::string& path, std::size_t count, const std::string& prefix,
                              const std::string& password);

}  // namespace msgbench
