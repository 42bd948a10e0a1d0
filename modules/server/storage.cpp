// Opening the store before the server serves: the backend, then its snapshot.
#include "msgapp/server/storage.hpp"

#include <chrono>

namespace msgapp::server {

namespace {

tl::expected<storage, std::string> load(
    tl::expected<std::unique_ptr<store::backend>, std::string> db) {
  if (!db) return tl::unexpected(db.error());
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto loaded = (*db)->load(now);
  if (!loaded) return tl::unexpected(loaded.error());
  return storage{std::move(*db), std::move(*loaded)};
}

}  // namespace

tl::expected<storage, std::string> open_storage(const store::sqlite_options& options) {
  return load(store::open_sqlite(options));
}

tl::expected<storage, std::string> open_storage(const store::postgres_options& options) {
  return load(store::open_postgres(options));
}

}  // namespace msgapp::server
