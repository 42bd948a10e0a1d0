// The write timeout on its own: a client that reads nothing once its kernel buffers are full
// is cut off after write_timeout, with its outbox far from full (so not for an overflow).
#include <fstream>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>

#include "../support/scenario.hpp"

using namespace msgapp::test;

namespace {
// Keeps what the server logs while it lives (the reason a connection ended is logged, not sent).
struct log_capture {
  std::ostringstream text;
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  log_capture() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(text);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
    spdlog::set_level(spdlog::level::info);
  }
  ~log_capture() { spdlog::set_default_logger(previous); }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;
  bool saw(std::string_view what) const { return text.str().find(what) != std::string::npos; }
};

// Linux caps a socket's send buffer at the maximum of net.ipv4.tcp_wmem (4 MiB by default).
std::size_t max_send_buffer() {
  std::ifstream f("/proc/sys/net/ipv4/tcp_wmem");
  std::size_t least = 0, usual = 0, most = 0;
  if (f >> least >> usual >> most) return most;
  return 4 * 1024 * 1024;
}

// The next reply (ok or error), skipping events such as presence notices.
awaitable<server_line> next_reply(client& c) {
  for (;;) {
    auto line = co_await c.read_line();
    REQUIRE(line);
    if (line->kind == line_kind::ok || line->kind == line_kind::error) co_return *line;
  }
}
}  // namespace

TEST_CASE("a client that reads nothing is cut off after write_timeout, before its outbox fills") {
  auto cfg = test_config();
  // alice sends at most twice what the kernel can buffer for dave, and that is a quarter of
  // his outbox: the kernel fills, the outbox never does.
  const std::size_t most_sent = 2 * max_send_buffer();
  cfg.outbox_bytes = 4 * most_sent;
  cfg.write_timeout = 200ms;
  run_scenario(
      [most_sent](scenario_context& s) -> awaitable<void> {
        log_capture log;
        auto alice = co_await s.login("alice");
        auto bob = co_await s.login("bob");
        auto dave = co_await s.login_non_reader("dave");  // and then never reads
        (void)co_await next_event_of(bob, "presence");    // dave logged in

        // alice writes to dave, in bursts, until a reply says he is gone, but never more than
        // most_sent: his outbox cannot overflow, so only the write timeout can cut him off.
        const std::string text(2000, 'z');
        const std::size_t line_at_most = text.size() + 100;  // "msg alice <time> " + text
        constexpr int burst = 50;
        std::size_t queued_for_dave = 0;
        bool gone = false;
        while (!gone && queued_for_dave + burst * line_at_most <= most_sent) {
          std::string messages;
          for (int i = 0; i < burst; ++i)
            messages += "message dave " + text + "\n";
          co_await send_raw(alice, messages);
          for (int i = 0; i < burst; ++i) {
            const auto reply = co_await next_reply(alice);
            if (reply.text != "delivered to dave") gone = true;  // queued offline, or refused
          }
          queued_for_dave += burst * line_at_most;
        }
        // Whether or not alice noticed, bob is told dave left (the scenario's guard fails the
        // test if he never is), and the server says why: closed by the server, not cut off.
        const auto left = co_await next_event_of(bob, "presence");
        CHECK(left.from == "dave");
        CHECK(left.text == "logged out");
        CHECK(log.saw("dave logged out (closed by the server)"));
        CHECK_FALSE(log.saw("outbox full"));
        CHECK_FALSE(log.saw("cut off: not reading"));
      },
      cfg);
}
