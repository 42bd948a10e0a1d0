// msgbench's command line: pick a workload and its sizes, run it on one thread, print the report.
#include "adapter.hpp"
#include "credentials.hpp"
#include "proc_stats.hpp"
#include "workloads.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <exception>
#include <functional>
#include <map>

namespace {

// The login-storm workload: its name on the command line and in reports.
constexpr const char* login_workload = "login";  // not protocol
// The durable offline-messages workload (msgapp only: it needs receipts and confirm).
constexpr const char* offline_workload = "offline";  // not protocol
// N logins in a row while everyone stays online and counts presence (msgapp only).
constexpr const char* presence_workload = "presence-storm";  // not protocol

using namespace msgbench;

void add_target_options(CLI::App* sub, bench_options& o) {
  sub->add_option("--host", o.host, "server address (loopback only)")->capture_default_str();
  sub->add_option("--port", o.port, "server port")->capture_default_str();
  sub->add_option("--proto", o.proto, "protocol: msgapp or irc")
      ->check(CLI::IsMember({"msgapp", "irc"}))
      ->capture_default_str();
  sub->add_option("--server-label", o.server_label, "server name shown in reports");
  sub->add_option("--server-pid", o.server_pid, "server process, for its CPU time and RSS");
  sub->add_option("--user-prefix", o.user_prefix, "users are <prefix><i>")->capture_default_str();
  sub->add_option("--password", o.password, "password of every user")->capture_default_str();
  sub->add_option("--first-user", o.first_user, "first <i> to use")->capture_default_str();
  sub->add_option("--setup-concurrency", o.setup_concurrency,
                  "logins in flight while setting up (keep under 8 for ngircd)")
      ->capture_default_str();
  sub->add_option("--timeout", o.timeout_s, "hard bound on the whole run, seconds")
      ->capture_default_str();
  sub->add_flag("--json", o.json, "print one line of JSON instead of a table");
  auto* tls = sub->add_flag("--tls", o.tls, "connect over TLS (msgserver --tls-cert)");
  auto* ca = sub->add_option("--ca", o.ca_file, "with --tls: trust the CA certificates in FILE")
                 ->needs(tls);
  sub->add_flag("--insecure", o.insecure, "with --tls: check no certificate (testing only)")
      ->needs(tls)
      ->excludes(ca);
}

void add_message_options(CLI::App* sub, bench_options& o) {
  sub->add_option("--duration", o.duration_s, "seconds of sending")->capture_default_str();
  sub->add_option("--count", o.count, "messages per sender (0: until --duration)")
      ->capture_default_str();
  sub->add_option("--text-size", o.text_size, "message text bytes")->capture_default_str();
  sub->add_option("--drain", o.drain_s, "seconds allowed for the last messages to arrive")
      ->capture_default_str();
}

// The file descriptors a workload needs, with room for stdio and the resolver.
std::size_t sockets_needed(std::string_view workload, const bench_options& o) {
  if (workload == "idle") return o.connections + 64;
  if (workload == "fanout") return o.users + 64;
  if (workload == login_workload) return o.in_flight + 64;
  if (workload == offline_workload) return 2 * o.senders + 64;
  if (workload == presence_workload) return o.connections + o.users + 64;
  if (workload == "soak") return o.users + 8 * o.abusers + 64;
  return 2 * o.pairs + (o.flooder ? 1 : 0) + 64;
}

int run(const std::string& workload, bench_options o) {
  // The report names the baseline apart, so the two slowreader variants never mix in a summary.
  o.workload = workload == "slowreader" && !o.slow ? "slowreader-baseline" : workload;
  if (workload == presence_workload && o.proto != "msgapp") {
    fmt::print(stderr,
               "msgbench: {} counts msgapp presence lines (IRC has no presence notices); "
               "--proto {} is not supported\n",
               workload, o.proto);
    return 2;
  }
  if (workload == offline_workload && o.proto != "msgapp") {
    fmt::print(
        stderr,
        "msgbench: {} needs the msgapp protocol (receipts, confirm); --proto {} is not supported\n",
        workload, o.proto);
    return 2;
  }
  const auto adapter = o.proto == "irc" ? make_irc_adapter() : make_msgapp_adapter();
  asio::error_code ec;
  const auto address = asio::ip::make_address(o.host, ec);
  if (ec || !address.is_loopback()) {
    fmt::print(stderr, "msgbench: {} is not a loopback address; msgbench only loads this host\n",
               o.host);
    return 2;
  }
  if (const auto limit = raise_fd_limit(sockets_needed(workload, o));
      limit < sockets_needed(workload, o)) {
    fmt::print(stderr, "msgbench: only {} file descriptors allowed; need {}\n", limit,
               sockets_needed(workload, o));
    return 2;
  }
  msgapp::tls::context_ptr tls;
  if (o.tls) {
    auto made = msgapp::tls::client_context(msgapp::tls::trust{o.ca_file, o.insecure});
    if (!made) {
      fmt::print(stderr, "msgbench: {}\n", made.error());
      return 2;
    }
    tls = std::move(*made);
  }
  asio::io_context io{1};
  const bench_context ctx(o, *adapter, msgapp::tcp::endpoint(address, o.port), io.get_executor(),
                          tls);

  if (workload == "smoke" || workload == "soak") {
    auto status =
        asio::co_spawn(io, workload == "smoke" ? run_smoke(ctx) : run_soak(ctx), asio::use_future);
    io.run();
    return status.get();
  }
  using runner = msgapp::awaitable<run_result> (*)(bench_context);
  const std::map<std::string, runner, std::less<>> runners = {
      {"relay", run_relay},
      {"ping", run_relay},
      {"slowreader", run_relay},
      {"fanout", run_fanout},
      {"idle", run_idle},
      {login_workload, run_login_storm},
      {offline_workload, run_offline},
      {presence_workload, run_presence_storm}};
  auto result = asio::co_spawn(io, runners.at(workload)(ctx), asio::use_future);
  io.run();
  const run_result r = result.get();
  if (o.json) {
    r.rep.print_json(stdout);
  } else {
    fmt::print("msgbench {} against {} ({}) on {}:{}\n", workload, ctx.server_label(), o.proto,
               o.host, o.port);
    r.rep.print_table(stdout);
  }
  return r.ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // A server closing on us must end a read or write with an error, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{
      "msgbench: load generator and meter for msgserver and IRC servers (loopback only).\n"
      "Users are <prefix><i> with one password; see gen-credentials.\n"
      "Start msgserver with --unlimited for load runs (its rate and per-address limits would\n"
      "measure themselves); `soak` and `relay --flooder` are meant for its default limits."};
  app.require_subcommand(1);
  std::map<std::string, bench_options> opts;

  auto* relay = app.add_subcommand("relay", "P pairs relaying direct messages, W in flight each");
  add_target_options(relay, opts["relay"]);
  add_message_options(relay, opts["relay"]);
  opts["relay"].slow = false;
  relay->add_option("--pairs", opts["relay"].pairs, "sender/receiver pairs")->capture_default_str();
  relay->add_option("--window", opts["relay"].window, "messages in flight per sender")
      ->capture_default_str();
  relay
      ->add_option("--interval", opts["relay"].interval_ms,
                   "milliseconds each sender waits after a window (0: none); keeps senders "
                   "under the server's command rate")
      ->capture_default_str();
  relay->add_flag("--flooder", opts["relay"].flooder,
                  "one more user broadcasts as fast as the server reads it");
  relay->add_option("--receiver-port", opts["relay"].receiver_port,
                    "receivers connect to this port (another server), senders to --port");
  relay->add_option("--receiver-pid", opts["relay"].receiver_pid,
                    "the --receiver-port server's process: its CPU is added to --server-pid's");
  relay->add_option("--watch-pid", opts["relay"].watch_pid,
                    "one more process (e.g. redis-server) whose CPU share is reported");

  auto* ping = app.add_subcommand("ping", "one pair, one message in flight: one-way latency");
  opts["ping"].pairs = 1;
  opts["ping"].window = 1;
  opts["ping"].slow = false;
  opts["ping"].duration_s = 3;
  add_target_options(ping, opts["ping"]);
  add_message_options(ping, opts["ping"]);

  auto* fanout = app.add_subcommand("fanout", "N users in one group, K broadcasting");
  opts["fanout"].window = 16;
  add_target_options(fanout, opts["fanout"]);
  add_message_options(fanout, opts["fanout"]);
  fanout->add_option("--users", opts["fanout"].users, "group members")->capture_default_str();
  fanout->add_option("--senders", opts["fanout"].senders, "members broadcasting")
      ->capture_default_str();
  fanout->add_option("--window", opts["fanout"].window, "broadcasts in flight per sender")
      ->capture_default_str();

  auto* idle =
      app.add_subcommand("idle", "C logged-in idle connections: server RSS per connection");
  opts["idle"].timeout_s = 300;  // a server that announces every login to everyone is slow here
  add_target_options(idle, opts["idle"]);
  idle->add_option("--connections", opts["idle"].connections, "connections to hold")
      ->capture_default_str();

  auto* login = app.add_subcommand(login_workload, "storm of connect, login, logout");
  add_target_options(login, opts[login_workload]);
  opts[login_workload].users = 1000;
  login->add_option("--duration", opts[login_workload].duration_s, "seconds")
      ->capture_default_str();
  login->add_option("--in-flight", opts[login_workload].in_flight, "logins in flight")
      ->capture_default_str();
  login->add_option("--users", opts[login_workload].users, "distinct names cycled through")
      ->capture_default_str();

  auto* offline = app.add_subcommand(
      offline_workload,
      "S senders queue messages for S offline users, who then log in and drain them");
  add_target_options(offline, opts[offline_workload]);
  add_message_options(offline, opts[offline_workload]);
  offline
      ->add_option("--senders", opts[offline_workload].senders, "senders, and as many recipients")
      ->capture_default_str();
  offline->add_option("--window", opts[offline_workload].window, "messages in flight per sender")
      ->capture_default_str();

  auto* storm = app.add_subcommand(
      presence_workload,
      "N users log in one after another while everyone stays online counting presence lines");
  auto& so = opts[presence_workload];
  so.users = 5000;
  so.in_flight = 64;
  so.connections = 0;
  so.drain_s = 60;
  so.timeout_s = 600;
  add_target_options(storm, so);
  storm->add_option("--users", so.users, "users logging in during the storm")
      ->capture_default_str();
  storm->add_option("--in-flight", so.in_flight, "logins in flight")->capture_default_str();
  storm->add_option("--online", so.connections, "accounts logged in first, before measuring")
      ->capture_default_str();
  storm
      ->add_option("--drain", so.drain_s,
                   "seconds allowed for the last presence lines after the last login")
      ->capture_default_str();

  auto* slow = app.add_subcommand(
      "slowreader", "P pairs relaying while receiver 1 stops reading and sender 0 floods it");
  opts["slowreader"].pairs = 500;
  opts["slowreader"].window = 16;
  add_target_options(slow, opts["slowreader"]);
  add_message_options(slow, opts["slowreader"]);
  slow->add_option("--pairs", opts["slowreader"].pairs, "pairs (pair 0 is the slow one)")
      ->capture_default_str();
  slow->add_option("--window", opts["slowreader"].window, "messages in flight per sender")
      ->capture_default_str();
  bool no_slow = false;
  slow->add_flag("--no-slow", no_slow, "everyone reads: the baseline to compare with");

  auto* smoke =
      app.add_subcommand("smoke", "CI check: relay and fanout deliver exactly once, in order");
  opts["smoke"].duration_s = 10;
  add_target_options(smoke, opts["smoke"]);
  add_message_options(smoke, opts["smoke"]);

  auto* soak = app.add_subcommand(
      "soak",
      "chatters and hostile clients for a while, then: is the server whole? (--server-pid)");
  opts["soak"].users = 64;
  opts["soak"].duration_s = 30;
  opts["soak"].drain_s = 10;
  opts["soak"].setup_concurrency = 16;
  add_target_options(soak, opts["soak"]);
  soak->add_option("--clients", opts["soak"].users, "chatters (every eighth floods)")
      ->check(CLI::Range(std::size_t{2}, std::size_t{10'000}))
      ->capture_default_str();
  soak->add_option("--abusers", opts["soak"].abusers, "hostile clients at the same time")
      ->capture_default_str();
  soak->add_option("--seconds", opts["soak"].duration_s, "seconds of load")->capture_default_str();
  soak->add_option("--drain", opts["soak"].drain_s, "seconds allowed for the last replies")
      ->capture_default_str();

  auto* gen = app.add_subcommand("gen-credentials", "write a credentials file for msgserver");
  std::size_t gen_count = 0;
  std::string gen_file;
  gen->add_option("count", gen_count, "number of users")->required();
  gen->add_option("file", gen_file, "output file")->required();
  gen->add_option("--user-prefix", opts["gen"].user_prefix)->capture_default_str();
  gen->add_option("--password", opts["gen"].password)->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  opts["slowreader"].slow = !no_slow;

  try {
    if (gen->parsed()) {
      const auto why =
          write_credentials(gen_file, gen_count, opts["gen"].user_prefix, opts["gen"].password);
      if (!why.empty()) fmt::print(stderr, "msgbench: {}\n", why);
      return why.empty() ? 0 : 2;
    }
    for (auto* sub : app.get_subcommands())
      return run(sub->get_name(), opts[sub->get_name()]);
  } catch (const std::exception& e) {
    fmt::print(stderr, "msgbench: {}\n", e.what());
    return 3;
  }
  return 2;
}
