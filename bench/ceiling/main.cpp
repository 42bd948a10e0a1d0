// msgceiling: listens, and hands every connection to the relay. Prints nothing but errors.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <string_view>

#include <msgapp/net.hpp>
#include <msgapp/net/contain.hpp>
#include <msgapp/net/sleep.hpp>

#include "relay.hpp"

namespace {

using msgapp::tcp;
using namespace std::chrono_literals;

constexpr std::string_view usage = "usage: msgceiling <port> [--bind ADDR]  (default 127.0.0.1)\n";

msgapp::awaitable<void> accept_all(tcp::acceptor acceptor, msgceiling::relay& relay) {
  for (;;) {
    auto [ec, sock] = co_await acceptor.async_accept(msgapp::use_nothrow);
    if (ec) {
      // Out of descriptors, say: the connections already in keep going; try again shortly.
      std::fprintf(stderr, "msgceiling: accept: %s\n", ec.message().c_str());
      co_await msgapp::sleep_for(100ms);
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), relay.serve(std::move(sock)),
                   msgapp::log_and_contain{"a ceiling session"});
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view bind = "127.0.0.1";  // no passwords are checked: not for other machines
  std::uint16_t port = 0;
  bool port_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--bind" && i + 1 < argc) {
      bind = argv[++i];
    } else if (!port_given) {
      const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), port);
      if (ec != std::errc{} || end != arg.data() + arg.size()) break;
      port_given = true;
    } else {
      port_given = false;  // anything more is a mistake
      break;
    }
  }
  if (!port_given) {
    std::fputs(usage.data(), stderr);
    return 2;
  }
  asio::error_code ec;
  const auto address = asio::ip::make_address(bind, ec);
  if (ec) {
    std::fprintf(stderr, "msgceiling: --bind %s: %s\n", bind.data(), ec.message().c_str());
    return 2;
  }
  asio::io_context io{1};
  tcp::acceptor acceptor(io);
  const tcp::endpoint at(address, port);
  acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(at, ec);
  if (!ec) acceptor.listen(tcp::socket::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "msgceiling: listen on %s port %u: %s\n", bind.data(), unsigned{port},
                 ec.message().c_str());
    return 1;
  }
  msgceiling::relay relay;
  asio::co_spawn(io, accept_all(std::move(acceptor), relay), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);  // the listener failing is a bug: end loudly
  });
  io.run();
  return 0;
}
