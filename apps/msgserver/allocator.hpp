// Which memory allocator msgserver runs on, for --version (see allocator.cpp for why).
#pragma once

#include <string>

namespace msgapp::apps {

// "jemalloc 5.3.0-... (background purging on)", or the C library's malloc in sanitizer builds.
std::string allocator_name();

}  // namespace msgapp::apps
