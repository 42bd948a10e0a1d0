// Every knob of one benchmark run: main.cpp fills it from the command line, workloads read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace msgbench {

struct bench_options {
  // The server under test (loopback only) and how to reach its process for CPU and RSS.
  std::string host = "127.0.0.1";
  std::uint16_t port = 4000;
  std::string proto = "msgapp";  // msgapp | irc
  std::string server_label;      // shown in reports; defaults to proto
  std::string workload;          // shown in reports; set from the subcommand
  int server_pid = 0;            // 0: no server CPU or RSS figures
  // relay across two servers (issue 12): receivers connect to receiver_port (0: --port), and
  // receiver_pid's CPU is added to server_pid's (0: one server).
  std::uint16_t receiver_port = 0;
  int receiver_pid = 0;
  int watch_pid = 0;  // relay: one more process (e.g. redis-server) whose CPU share is reported
  // --tls: every connection is TLS, trusting --ca FILE or, with --insecure, anything.
  bool tls = false;
  std::string ca_file;
  bool insecure = false;

  // Users are <user_prefix><i> with one shared password (see `msgbench gen-credentials`).
  std::string user_prefix = "user";
  std::string password = "pw";
  std::size_t first_user = 0;
  std::size_t setup_concurrency = 64;  // logins in flight while a workload sets up its users

  // Workload shape; each subcommand sets its own defaults.
  std::size_t pairs = 50;
  std::size_t window = 64;
  std::size_t users = 200;
  std::size_t senders = 4;
  std::size_t connections = 5000;
  std::size_t in_flight = 8;
  std::size_t abusers = 16;  // soak: hostile clients beside the `users` chatters
  std::size_t text_size = 64;
  double duration_s = 5;
  std::uint64_t count = 0;  // messages per sender; 0 means until duration_s
  bool slow = true;         // slowreader: whether one receiver stops reading
  // relay: one more logged-in user broadcasting as fast as the server reads it (issue 10's
  // flood), while the pairs measure everyone else's latency.
  bool flooder = false;
  std::uint64_t interval_ms = 0;  // relay: pause between a sender's windows (0: none)

  double drain_s = 5;  // how long delivered-but-not-yet-seen messages may take after sending stops
  double timeout_s = 90;  // hard bound on the whole run, setup included
  bool json = false;
};

}  // namespace msgbench
