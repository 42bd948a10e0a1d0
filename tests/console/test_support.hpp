// Helpers for driving a console from a test: descriptors, starting a read, pumping the loop.
#pragma once

#include <msgapp/console/console.hpp>
#include <msgapp/protocol/limits.hpp>

#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <string_view>
#include <thread>

namespace console_test {

using namespace std::chrono_literals;
namespace net = msgapp::net;
namespace ui = msgapp::ui;

// The line limit msgclient gives its console: the protocol's.
inline constexpr std::size_t client_max_line = msgapp::protocol::limits{}.max_line;

// Owns one descriptor.
class fd {
 public:
  fd() = default;
  explicit fd(int n) : n_(n) {}
  fd(fd&& other) noexcept : n_(std::exchange(other.n_, -1)) {}
  fd& operator=(fd&& other) noexcept {
    reset();
    n_ = std::exchange(other.n_, -1);
    return *this;
  }
  ~fd() { reset(); }
  int get() const { return n_; }
  void reset() {
    if (n_ >= 0) ::close(n_);
    n_ = -1;
  }

 private:
  int n_ = -1;
};

inline void write_all(int to, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(to, bytes.data(), bytes.size());
    REQUIRE(n > 0);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Everything readable right now on a non-blocking descriptor.
inline std::string read_available(int from) {
  std::string got;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(from, chunk, sizeof chunk);
    if (n <= 0) return got;
    got.append(chunk, static_cast<std::size_t>(n));
  }
}

inline void make_non_blocking(int n) {
  ::fcntl(n, F_SETFL, ::fcntl(n, F_GETFL) | O_NONBLOCK);
}

// Test failures print "line 'x'", "eof", "interrupted" or "too_long".
inline std::string describe(const ui::console_input& in) {
  if (in) return "line '" + *in + "'";
  switch (in.error()) {
    case ui::input_end::eof:
      return "eof";
    case ui::input_end::interrupted:
      return "interrupted";
    case ui::input_end::too_long:
      return "too_long";
  }
  return "?";
}

using pending_read = std::future<ui::console_input>;

inline pending_read start(net::io_context& io, net::awaitable<ui::console_input> read) {
  return net::co_spawn(io, std::move(read), net::use_future);
}

inline bool ready(const pending_read& read) {
  return read.wait_for(0s) == std::future_status::ready;
}

// Runs the loop in short slices until done() holds; false after the time limit, so a broken
// console fails the test instead of hanging it.
inline bool pump_until(net::io_context& io, const std::function<bool()>& done,
                       std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    if (io.stopped()) io.restart();
    if (io.run_for(5ms) == 0) std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Runs the loop for a while whatever happens: lets signals and wake-ups be delivered.
inline void pump_for(net::io_context& io, std::chrono::milliseconds how_long) {
  pump_until(
      io, [] { return false; }, how_long);
}

inline std::string finish(net::io_context& io, pending_read& read) {
  REQUIRE(pump_until(io, [&] { return ready(read); }));
  return describe(read.get());
}

// A pseudo-terminal `cols` wide: the console gets `slave`, the test plays the user on `master`.
struct pseudo_terminal {
  explicit pseudo_terminal(unsigned short cols = 80) {
    int m = -1;
    int s = -1;
    winsize size{};
    size.ws_row = 24;
    size.ws_col = cols;
    REQUIRE(::openpty(&m, &s, nullptr, nullptr, &size) == 0);
    master = fd(m);
    slave = fd(s);
    make_non_blocking(master.get());
  }

  termios mode() const {
    termios t{};
    ::tcgetattr(slave.get(), &t);
    return t;
  }
  bool echoes() const { return (mode().c_lflag & ECHO) != 0; }
  bool canonical() const { return (mode().c_lflag & ICANON) != 0; }

  fd master;
  fd slave;
};

}  // namespace console_test
