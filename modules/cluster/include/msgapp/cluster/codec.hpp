// Events as the text of one Redis message: one line per event, its kind first, fields by
// spaces, free text last (names and tokens have no spaces; protocol text has no newline).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "msgapp/cluster/events.hpp"

namespace msgapp::cluster {

// A hub turn's events for one channel, in order: one PUBLISH per channel per turn.
std::string encode(const std::vector<event>& events);
// A line that does not parse (another version, a stray publisher) is skipped, never fatal.
std::vector<event> decode(std::string_view payload);

}  // namespace msgapp::cluster
