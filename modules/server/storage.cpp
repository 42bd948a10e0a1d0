// Opening the store before the server serves: the backend, then its snapshot.
#include "msgapp/server/storage.hpp"

#include <chrono>

namespace msgapp::server {

tl::expected<storage, std::string> open_storage(const store::sqlite_options& options) {
  auto db = store::open_sqlite(options);
  if (!db) return tl::unexpected(db.error());
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto loaded = (*db)->load(now);
  if (!loaded) return tl::unexpected(loaded.error());
  return storage{std::move(*db), std::move(*loaded)};
}

}  // namespace msgapp::server
