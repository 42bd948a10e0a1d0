// Reaching the server: TLS trust, connecting within a time limit, and saying why not in words.
#include "connect.hpp"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include <msgapp/net/sleep.hpp>
#include <msgapp/tls/context.hpp>
#include <msgapp/tls/verify_error.hpp>

#include "display.hpp"

namespace msgapp::apps {
namespace {

using namespace std::chrono_literals;
using namespace net::experimental::awaitable_operators;

// How long connecting to the server (name lookup, TCP, greeting) may take.
constexpr auto connect_timeout = 10s;

// Why connecting failed, in words, with a hint where one helps.
std::string explain(std::error_code ec, bool tls) {
  if (ec.category() == msgapp::tls::verify_category()) {
    return ec.message() + "; a server with its own CA needs --ca FILE";
  }
  if (ec.category() == net::error::get_ssl_category()) {
    return fmt::format("TLS failed: {} (is the server using TLS?)", msgapp::tls::describe(ec));
  }
  if ((ec == std::errc::protocol_error || ec == net::error::eof) && !tls) {
    return ec.message() + " (a TLS server needs --tls)";
  }
  return ec.message();
}

}  // namespace

std::optional<client::connect_options> tls_options(output& out, const client_options& options) {
  client::connect_options o;
  if (!options.tls) return o;
  if (options.insecure) {
    std::fputs(
        "msgclient: WARNING: --insecure: the server's certificate is NOT checked. Anyone on "
        "the path can read and change everything, your password included. For testing only.\n",
        stderr);
  }
  auto context = msgapp::tls::client_context(msgapp::tls::trust{options.ca_file, options.insecure});
  if (!context) {
    out.print(error_line(context.error()));
    return std::nullopt;
  }
  o.tls = true;
  o.context = std::move(*context);
  return o;
}

awaitable<tl::expected<client::client, std::string>> try_connect(client_options options,
                                                                 client::connect_options how) {
  // Bounded, because Ctrl-C only reaches us while the console reads (see the console module).
  auto connected = co_await (client::client::connect(options.host, options.port, std::move(how)) ||
                             sleep_for(connect_timeout));
  if (connected.index() == 1) co_return tl::unexpected(std::string("no answer"));
  auto& got = std::get<0>(connected);
  if (!got) co_return tl::unexpected(explain(got.error(), options.tls));
  co_return std::move(*got);
}

awaitable<std::optional<client::client>> connect_to(output& out, client_options options,
                                                    client::connect_options how) {
  auto connected = co_await try_connect(options, std::move(how));
  if (!connected) {
    out.print(error_line(fmt::format("cannot connect to {} port {}: {}", options.host, options.port,
                                     connected.error())));
    co_return std::nullopt;
  }
  co_return std::move(*connected);
}

}  // namespace msgapp::apps
