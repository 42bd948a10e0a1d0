// msgclient: parse the command line, then run the client on one thread until it is done.
#include <csignal>
#include <exception>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <msgapp/console/console.hpp>
#include <msgapp/net.hpp>
#include <msgapp/protocol/limits.hpp>

#include "options.hpp"
#include "run_client.hpp"

using namespace msgapp;

int main(int argc, char** argv) {
  auto parsed = apps::parse_client_options(argc, argv);
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  auto& options = std::get<apps::client_options>(parsed);

  // A reader of our output that went away must not kill us before we log out.
  std::signal(SIGPIPE, SIG_IGN);
  // stdout is the conversation; only reports of bugs go to stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt("msgclient"));
  spdlog::set_level(spdlog::level::warn);

  net::io_context io{1};
  int status = apps::exit_failed;
  ui::console con(io.get_executor(), protocol::limits{}.max_line);
  net::co_spawn(io, apps::run_client(con, std::move(options)),
                [&](std::exception_ptr e, int finished) {
                  con.close();  // the terminal is restored before anything else is said
                  status = finished;
                  if (!e) return;
                  status = apps::exit_failed;
                  try {
                    std::rethrow_exception(e);
                  } catch (const std::exception& x) {
                    spdlog::error("bug: msgclient ended by an exception: {}", x.what());
                  }
                });
  io.run();
  return status;
}
