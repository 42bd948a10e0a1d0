// The outbox without sockets: the byte bound, partial writes, gather limits, and every way its
// life can end, driven event by event as the I/O shell would drive it.
#include <catch2/catch.hpp>

#include <msgapp/server/outbox.hpp>

namespace {

using msgapp::server::outbox;
using msgapp::server::shared_line;
using state = outbox::state;
using push_result = outbox::push_result;

shared_line make(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

// What one gather write would send now, as one string.
std::string pending(const outbox& out) {
  outbox::gather_buffers buffers;
  const std::size_t count = out.gather(buffers);
  std::string bytes;
  for (std::size_t i = 0; i < count; ++i)
    bytes.append(static_cast<const char*>(buffers[i].data()), buffers[i].size());
  return bytes;
}

// Writes everything, `chunk` bytes at a time (a stream that takes a little per write).
std::string drain(outbox& out, std::size_t chunk) {
  std::string sent;
  while (!out.empty()) {
    const std::string next = pending(out).substr(0, chunk);
    sent += next;
    out.written(next.size());
  }
  return sent;
}

}  // namespace

TEST_CASE("outbox: lines leave in order, in one gather write, and nothing is kept after") {
  outbox out(1000);
  CHECK(out.empty());
  CHECK(pending(out).empty());
  CHECK(out.push(make("one\n")) == push_result::queued);
  CHECK(out.push(make("two\n")) == push_result::queued);
  CHECK(out.push(make("three\n")) == push_result::queued);
  CHECK(out.lines() == 3);
  CHECK(out.bytes() == 14);
  outbox::gather_buffers buffers;
  CHECK(out.gather(buffers) == 3);
  CHECK(pending(out) == "one\ntwo\nthree\n");
  out.written(14);
  CHECK(out.empty());
  CHECK(out.bytes() == 0);
  CHECK(out.lines() == 0);
  CHECK(out.current() == state::open);
  CHECK(pending(out).empty());
}

TEST_CASE("outbox: a line shared by many outboxes is sent whole by each") {
  const auto line = make("broadcast alice hi\n");
  outbox a(100);
  outbox b(100);
  REQUIRE(a.push(line) == push_result::queued);
  REQUIRE(b.push(line) == push_result::queued);
  a.written(5);
  CHECK(pending(a) == "cast alice hi\n");
  CHECK(pending(b) == "broadcast alice hi\n");
}

TEST_CASE("outbox: partial writes resume mid-line, at every split point") {
  const std::string all = "alpha\nbe\nx\ngamma delta\n";
  for (std::size_t chunk = 1; chunk <= all.size(); ++chunk) {
    outbox out(1000);
    for (const char* l : {"alpha\n", "be\n", "x\n", "gamma delta\n"})
      REQUIRE(out.push(make(l)) == push_result::queued);
    INFO("chunk " << chunk);
    CHECK(drain(out, chunk) == all);
    CHECK(out.bytes() == 0);
  }
}

TEST_CASE("outbox: the unsent rest of the front line comes first, and bytes count down") {
  outbox out(1000);
  REQUIRE(out.push(make("hello\n")) == push_result::queued);
  REQUIRE(out.push(make("world\n")) == push_result::queued);
  out.written(3);
  CHECK(out.bytes() == 9);
  CHECK(out.lines() == 2);
  CHECK(pending(out) == "lo\nworld\n");
  out.written(3);  // exactly the end of the first line
  CHECK(out.lines() == 1);
  CHECK(pending(out) == "world\n");
  out.written(0);  // a write that took nothing changes nothing
  CHECK(pending(out) == "world\n");
  REQUIRE(out.push(make("again\n")) == push_result::queued);  // pushed between two writes
  CHECK(pending(out) == "world\nagain\n");
  out.written(8);
  CHECK(pending(out) == "ain\n");
}

TEST_CASE("outbox: one gather write takes at most max_gather lines; the rest follow") {
  outbox out(100'000);
  const std::size_t total = 3 * outbox::max_gather + 5;
  std::string expected;
  for (std::size_t i = 0; i < total; ++i) {
    const std::string l = std::to_string(i) + "\n";
    expected += l;
    REQUIRE(out.push(make(l)) == push_result::queued);
  }
  outbox::gather_buffers buffers;
  CHECK(out.gather(buffers) == outbox::max_gather);
  std::array<msgapp::net::const_buffer, 2> two;
  CHECK(out.gather(two) == 2);  // never more than the caller has room for
  std::string sent;
  while (!out.empty()) {
    const std::string batch = pending(out);  // everything a gather write offers
    sent += batch;
    out.written(batch.size());
  }
  CHECK(sent == expected);
}

TEST_CASE("outbox: the byte bound is exact; a refused line is not queued") {
  outbox out(10);
  CHECK(out.push(make("12345\n")) == push_result::queued);  // 6 bytes
  CHECK(out.push(make("123\n")) == push_result::queued);    // 10: exactly the bound
  CHECK(out.push(make("\n")) == push_result::full);         // 11 would pass it
  CHECK(out.bytes() == 10);
  CHECK(out.lines() == 2);
  CHECK(out.current() == state::open);  // an overflow is the hub's call, not a state change
  out.written(4);                       // room again for what has been written
  CHECK(out.push(make("abc\n")) == push_result::queued);
  CHECK(out.push(make("\n")) == push_result::full);
  CHECK(drain(out, 100) == "5\n123\nabc\n");
}

TEST_CASE("outbox: a line larger than the whole bound is refused even when empty") {
  outbox out(4);
  CHECK(out.push(make("12345\n")) == push_result::full);
  CHECK(out.empty());
}

TEST_CASE("outbox: close after flush with nothing queued is closed at once") {
  outbox out(100);
  out.close_after_flush();
  CHECK(out.current() == state::closed);
  CHECK(out.push(make("late\n")) == push_result::dropped);
  CHECK(out.empty());
}

TEST_CASE("outbox: close while a write is waiting: the rest is sent, then it is closed") {
  outbox out(100);
  REQUIRE(out.push(make("bye\n")) == push_result::queued);
  REQUIRE(out.push(make("for now\n")) == push_result::queued);
  out.written(2);  // the stream took a little, then made us wait
  out.close_after_flush();
  CHECK(out.current() == state::closing);
  CHECK(out.push(make("late\n")) == push_result::dropped);  // dropped, not an overflow
  out.close_after_flush();                                  // asking twice changes nothing
  CHECK(out.current() == state::closing);
  CHECK(pending(out) == "e\nfor now\n");
  out.written(5);
  CHECK(out.current() == state::closing);  // not before the last byte
  out.written(5);
  CHECK(out.current() == state::closed);
  CHECK(out.empty());
}

TEST_CASE("outbox: abort drops everything, from open or while closing") {
  for (const bool closing_first : {false, true}) {
    INFO("closing first: " << closing_first);
    outbox out(100);
    REQUIRE(out.push(make("never\n")) == push_result::queued);
    REQUIRE(out.push(make("sent\n")) == push_result::queued);
    out.written(3);
    if (closing_first) out.close_after_flush();
    out.abort();
    CHECK(out.current() == state::closed);
    CHECK(out.empty());
    CHECK(out.bytes() == 0);
    CHECK(pending(out).empty());
    CHECK(out.push(make("late\n")) == push_result::dropped);
    out.written(4);  // a write in flight that completes afterwards is ignored
    out.close_after_flush();
    out.abort();
    CHECK(out.current() == state::closed);
    CHECK(out.empty());
  }
}

TEST_CASE("outbox: every event in every state") {
  // The starting states, each reached the way a connection reaches it.
  enum class start { open_empty, open_queued, closing, closed_flushed, closed_aborted };
  enum class event { push, close_after_flush, abort, write_all };
  struct row {
    start from;
    event what;
    state to;
    std::size_t lines_after;
  };
  const std::vector<row> table = {
      {start::open_empty, event::push, state::open, 1},
      {start::open_empty, event::close_after_flush, state::closed, 0},
      {start::open_empty, event::abort, state::closed, 0},
      {start::open_empty, event::write_all, state::open, 0},
      {start::open_queued, event::push, state::open, 2},
      {start::open_queued, event::close_after_flush, state::closing, 1},
      {start::open_queued, event::abort, state::closed, 0},
      {start::open_queued, event::write_all, state::open, 0},
      {start::closing, event::push, state::closing, 1},
      {start::closing, event::close_after_flush, state::closing, 1},
      {start::closing, event::abort, state::closed, 0},
      {start::closing, event::write_all, state::closed, 0},
      {start::closed_flushed, event::push, state::closed, 0},
      {start::closed_flushed, event::close_after_flush, state::closed, 0},
      {start::closed_flushed, event::abort, state::closed, 0},
      {start::closed_flushed, event::write_all, state::closed, 0},
      {start::closed_aborted, event::push, state::closed, 0},
      {start::closed_aborted, event::close_after_flush, state::closed, 0},
      {start::closed_aborted, event::abort, state::closed, 0},
      {start::closed_aborted, event::write_all, state::closed, 0},
  };
  for (const auto& r : table) {
    INFO("from " << static_cast<int>(r.from) << ", event " << static_cast<int>(r.what));
    outbox out(100);
    if (r.from != start::open_empty) REQUIRE(out.push(make("queued\n")) == push_result::queued);
    if (r.from == start::closing) out.close_after_flush();
    if (r.from == start::closed_flushed) {
      out.close_after_flush();
      out.written(7);
    }
    if (r.from == start::closed_aborted) out.abort();
    const bool was_open = out.current() == state::open;

    switch (r.what) {
      case event::push:
        CHECK(out.push(make("more\n")) == (was_open ? push_result::queued : push_result::dropped));
        break;
      case event::close_after_flush:
        out.close_after_flush();
        break;
      case event::abort:
        out.abort();
        break;
      case event::write_all:
        out.written(out.bytes());
        break;
    }
    CHECK(out.current() == r.to);
    CHECK(out.lines() == r.lines_after);
  }
}
