// msgserver's options for the server's bounds: one per limit of config.hpp that has none
// elsewhere, in the "Limits" group of --help. docs/limits.md lists them all.
#pragma once

#include <CLI/CLI.hpp>

#include <msgapp/server/config.hpp>

namespace msgapp::apps {

void add_limit_options(CLI::App& app, server::config& cfg);

}  // namespace msgapp::apps
