// msgserver's memory allocator settings: jemalloc, told to hand freed memory back to the system.
//
// Why not glibc's malloc: a server's memory comes and goes with its load (sessions, queued
// lines, login bursts), and glibc returns memory only from the top of its heap. After a busy
// hour, a few long-lived objects (and glibc's own per-size caches of freed chunks) sit near the
// top, so the process keeps its peak for ever (docs/performance.md, the soak: 16 MiB after a
// 90 s load that needs 6 MiB). jemalloc gives back unused pages wherever they are, after a
// short delay, from a background thread, so the server also shrinks while idle.
//
// jemalloc reads this string once, at its first allocation; the MALLOC_CONF environment
// variable still overrides it (for experiments).
#include "allocator.hpp"

#include <fmt/format.h>

#ifdef MSGAPP_JEMALLOC
#include <jemalloc/jemalloc.h>

// Pages unused for 1 s go back to the system at once (no "muzzy" middle state); the background
// thread does it, so an idle server shrinks too.
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
#endif

namespace msgapp::apps {

std::string allocator_name() {
#ifdef MSGAPP_JEMALLOC
  const char* version = nullptr;
  std::size_t size = sizeof(version);
  bool background = false;
  std::size_t bsize = sizeof(background);
  if (mallctl("version", &version, &size, nullptr, 0) != 0) version = "?";
  (void)mallctl("background_thread", &background, &bsize, nullptr, 0);
  return fmt::format("jemalloc {} (background purging {})", version, background ? "on" : "off");
#else
  return "the C library's malloc";
#endif
}

}  // namespace msgapp::apps
