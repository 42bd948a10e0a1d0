// The schema: recognising an msgapp database, creating one, and migrating it forward.
#pragma once

#include <cstdint>
#include <string>

#include <tl/expected.hpp>

#include "sqlite_handle.hpp"

namespace msgapp::store::schema {

inline constexpr std::int64_t application_id = 0x6D736761;  // 'msga', in the file's header

// The schema version of the database at `path` (0: empty, to be created), or why it is not
// one this build may open: not a database, corrupt, another application's, or newer. Reads
// only, so a refused file is left as it was.
tl::expected<int, std::string> inspect(sqlite::database& db, const std::string& path);

// Brings the database from version `from` to schema_version in one transaction: a failure
// leaves it exactly as it was.
tl::expected<void, std::string> migrate(sqlite::database& db, const std::string& path, int from);

}  // namespace msgapp::store::schema
