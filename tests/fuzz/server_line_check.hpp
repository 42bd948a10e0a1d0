// The fuzzers' oracle for what a server sends: one line a client can read back as it was meant.
#pragma once

#include <string_view>

namespace msgapp::fuzz {

// Aborts (a crash libFuzzer reports, with the input) when `condition` is false.
void require(bool condition, std::string_view what);

// A formatted server line ("...\n"): exactly one '\n', at the end; valid UTF-8; and a client
// parses it as the kind its first word says (a greeting, an ok reply, an error with a known
// code, or an event), so it never falls through as something the client cannot read.
void require_server_line(std::string_view line);

}  // namespace msgapp::fuzz
