// Test support: a fake msgserver on 127.0.0.1 that greets, then answers each line it reads
// with whatever the test's script says: just enough protocol to feed a client hostile bytes.
#pragma once

#include <msgapp/net.hpp>
#include <msgapp/net/contain.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace msgapp::test {

// What the fake server sends in answer to one line: raw bytes, each line ending in '\n'.
struct fake_answer {
  std::string bytes;
  bool then_close = false;
};

// Takes one connection and runs its own io_context on its own thread until destroyed.
class fake_server {
 public:
  using script = std::function<fake_answer(std::string_view line)>;

  explicit fake_server(script answer_to)
      : answer_to_(std::move(answer_to)),
        acceptor_(io_, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(io_, serve(), log_and_contain{"the fake server"});
    thread_ = std::thread([this] { io_.run(); });
  }
  ~fake_server() {
    io_.stop();
    thread_.join();
  }
  fake_server(const fake_server&) = delete;
  fake_server& operator=(const fake_server&) = delete;

  std::string port() const { return std::to_string(port_); }

 private:
  net::awaitable<void> serve() {
    auto [accept_error, socket] = co_await acceptor_.async_accept(use_nothrow);
    if (accept_error) co_return;
    std::string out = "hello msgapp 2\n";
    std::string in;
    for (;;) {
      auto [write_error, written] =
          co_await net::async_write(socket, net::buffer(out), use_nothrow);
      if (write_error) co_return;
      auto [read_error, n] = co_await net::async_read_until(
          socket, net::dynamic_buffer(in, 1 << 16), '\n', use_nothrow);
      if (read_error) co_return;
      fake_answer answer = answer_to_(std::string_view(in).substr(0, n - 1));
      in.erase(0, n);
      out = std::move(answer.bytes);
      if (answer.then_close) {
        co_await net::async_write(socket, net::buffer(out), use_nothrow);
        co_return;  // the socket closes with the frame
      }
    }
  }

  script answer_to_;
  net::io_context io_{1};
  net::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace msgapp::test
