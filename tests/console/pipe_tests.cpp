// The console when input is not a terminal: pipes, a regular file, signals and close().
#include "test_support.hpp"

#include <csignal>
#include <cstdio>
#include <stdexcept>

namespace {

using namespace console_test;

struct pipe_ends {
  pipe_ends() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read_end = fd(fds[0]);
    write_end = fd(fds[1]);
  }
  fd read_end;
  fd write_end;
};

// A console reading `in` and writing to `out`, plus the test's ends of both pipes.
struct piped_console {
  explicit piped_console(std::size_t max_line = client_max_line)
      : con(io.get_executor(), in.read_end.get(), out.write_end.get(), max_line) {
    make_non_blocking(out.read_end.get());
  }

  void type(std::string_view bytes) { write_all(in.write_end.get(), bytes); }
  void end_input() { in.write_end.reset(); }
  std::string output() { return read_available(out.read_end.get()); }
  std::string read_line() {
    pending_read read = start(io, con.read_line("> "));
    return finish(io, read);
  }

  net::io_context io;
  pipe_ends in;
  pipe_ends out;
  ui::console con;
};

TEST_CASE("piped lines arrive in order, then end of input is eof for good", "[console][pipe]") {
  piped_console p;
  CHECK_FALSE(p.con.interactive());
  p.type("one\ntwo\r\n\nlast without newline");
  p.end_input();
  CHECK(p.read_line() == "line 'one'");
  CHECK(p.read_line() == "line 'two'");
  CHECK(p.read_line() == "line ''");
  CHECK(p.read_line() == "line 'last without newline'");
  CHECK(p.read_line() == "eof");
  CHECK(p.read_line() == "eof");
  CHECK(p.output().empty());  // no prompt is written when nobody is typing
}

TEST_CASE("a line written in pieces comes back once it is complete", "[console][pipe]") {
  piped_console p;
  p.type("hel");
  pending_read read = start(p.io, p.con.read_line("> "));
  pump_for(p.io, 30ms);
  CHECK_FALSE(ready(read));
  p.type("lo\nnext");
  CHECK(finish(p.io, read) == "line 'hello'");
  p.type("\n");
  CHECK(p.read_line() == "line 'next'");
}

TEST_CASE("an over-long piped line is reported once and skipped", "[console][pipe]") {
  piped_console p(8);
  p.type("12345678\r\n");               // exactly the limit, even with "\r\n"
  p.type(std::string(30, 'x') + "\n");  // several times the limit
  p.type("123456789\n");                // one byte over
  p.type("after\n");
  CHECK(p.read_line() == "line '12345678'");
  CHECK(p.read_line() == "too_long");
  CHECK(p.read_line() == "too_long");
  CHECK(p.read_line() == "line 'after'");
  p.type(std::string(20, 'y'));  // an over-long last line without '\n'
  p.end_input();
  CHECK(p.read_line() == "too_long");
  CHECK(p.read_line() == "eof");
}

TEST_CASE("a password from a pipe is one plain line, with no prompt", "[console][pipe]") {
  piped_console p;
  p.type("s3cret with spaces\nnext\n");
  pending_read read = start(p.io, p.con.read_password("Password: "));
  CHECK(finish(p.io, read) == "line 's3cret with spaces'");
  CHECK(p.read_line() == "line 'next'");
  CHECK(p.output().empty());
}

TEST_CASE("print_line writes each line to a pipe at once, bytes unchanged", "[console][pipe]") {
  piped_console p;
  p.con.print_line("hello");
  CHECK(p.output() == "hello\n");  // no loop has run: nothing waits in a buffer
  p.con.print_line("tab\there, escape \x1b[2J");
  CHECK(p.output() == "tab\there, escape \x1b[2J\n");
}

TEST_CASE("SIGINT ends a pending read as interrupted and keeps what was typed",
          "[console][pipe][signal]") {
  piped_console p;
  p.type("par");
  pending_read read = start(p.io, p.con.read_line("> "));
  pump_for(p.io, 20ms);
  REQUIRE_FALSE(ready(read));
  std::raise(SIGINT);
  CHECK(finish(p.io, read) == "interrupted");
  p.type("tial\n");
  CHECK(p.read_line() == "line 'partial'");
}

TEST_CASE("a signal between reads ends the next read at once", "[console][pipe][signal]") {
  piped_console p;
  std::raise(SIGTERM);
  pump_for(p.io, 20ms);  // the signal reaches the console while no read is pending
  CHECK(p.read_line() == "interrupted");
  p.type("still here\n");
  CHECK(p.read_line() == "line 'still here'");
}

TEST_CASE("close() ends a pending read with eof, and later reads and prints do nothing",
          "[console][pipe]") {
  piped_console p;
  pending_read read = start(p.io, p.con.read_line("> "));
  pump_for(p.io, 20ms);
  REQUIRE_FALSE(ready(read));
  p.con.close();
  CHECK(finish(p.io, read) == "eof");
  p.type("too late\n");
  CHECK(p.read_line() == "eof");
  p.con.print_line("unseen");
  CHECK(p.output().empty());
  p.con.close();  // idempotent
}

TEST_CASE("close() leaves the input blocking again, as it was found", "[console][pipe]") {
  piped_console p;
  const auto non_blocking = [&] {
    return (::fcntl(p.in.read_end.get(), F_GETFL) & O_NONBLOCK) != 0;
  };
  REQUIRE_FALSE(non_blocking());
  p.type("x\n");
  CHECK(p.read_line() == "line 'x'");
  CHECK(non_blocking());  // Asio's doing, on the description the console shares with the caller
  p.con.close();
  CHECK_FALSE(non_blocking());
}

TEST_CASE("starting a second read while one is pending is a bug", "[console][pipe]") {
  piped_console p;
  pending_read first = start(p.io, p.con.read_line("> "));
  pump_for(p.io, 10ms);
  pending_read second = start(p.io, p.con.read_line("> "));
  REQUIRE(pump_until(p.io, [&] { return ready(second); }));
  CHECK_THROWS_AS(second.get(), std::logic_error);
  p.type("for the first\n");
  CHECK(finish(p.io, first) == "line 'for the first'");
}

TEST_CASE("a regular file as input: its lines, then eof", "[console][pipe]") {
  // epoll refuses regular files; the console must still read them.
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  std::fputs("first\nsecond\n", file);
  std::fflush(file);
  std::rewind(file);
  net::io_context io;
  pipe_ends out;
  ui::console con(io.get_executor(), ::fileno(file), out.write_end.get(), client_max_line);
  std::fclose(file);  // the console holds its own duplicate
  auto read_line = [&] {
    pending_read read = start(io, con.read_line("> "));
    return finish(io, read);
  };
  CHECK(read_line() == "line 'first'");
  CHECK(read_line() == "line 'second'");
  CHECK(read_line() == "eof");
}

}  // namespace
