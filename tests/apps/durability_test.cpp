// Black-box tests of durable state: real msgserver processes on one data directory, killed
// with SIGKILL and restarted; what the server acknowledged comes back, exactly once, in order.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "server_process.hpp"

namespace {

using namespace msgapp::test;
namespace fs = std::filesystem;

const std::string durable_accounts =
    "alice alice-pw\nbob bob-pw\ncarol carol-pw\ndave dave-pw\neve eve-pw\n";

std::string password_of(const std::string& user) {
  return user + "-pw";
}

// A data directory and a credentials file that outlive the msgservers started on them.
struct durable_server : server_process {
  temp_dir dir;
  const std::string creds = dir.write("creds.txt", durable_accounts);
  const std::string data = dir.path_of("data");

  // The arguments of every server on this directory: a long login block (600 s) and time-out.
  std::vector<std::string> args() const {
    return {"0",         "600",         "600",  "--credentials", creds, "--bind",
            "127.0.0.1", "--log-level", "warn", "--data-dir",    data};
  }
  void launch() { start(args()); }

  std::unique_ptr<tcp_client> login(const std::string& user) const {
    return server_process::login(user, password_of(user));
  }

  ~durable_server() { proc.reset(); }  // the server goes before its directory
};

// "m" + std::to_string(i), written as an append: g++ 12 at -O3 warns wrongly on the operator+
// form (-Wstringop-overflow, GCC PR 105651).
std::string numbered(std::string prefix, int i) {
  prefix += std::to_string(i);
  return prefix;
}

struct stored_message {
  std::string from;
  std::uint64_t id = 0;
  std::string text;
};

// `stored <time> <from> <id> <text>`; nothing for any other line.
std::optional<stored_message> parse_stored(const std::string& line) {
  static const std::regex form(R"(^stored [0-9TZ:-]+ ([a-z]+) ([0-9]+) (.*)$)");
  std::smatch m;
  if (!std::regex_match(line, m, form)) return std::nullopt;
  return stored_message{m[1].str(), std::stoull(m[2].str()), m[3].str()};
}

bool is_queued_message(const std::string& line) {
  return line.rfind("stored ", 0) == 0 || line.rfind("offline ", 0) == 0;
}

// `user` logged in after asking for receipts; `database_id` gets the id the server names.
std::unique_ptr<tcp_client> login_with_receipts(const server_process& server,
                                                const std::string& user,
                                                std::string* database_id = nullptr) {
  auto c = server.connect();
  REQUIRE(c->send_line("receipts"));
  const auto reply = c->read_reply();
  REQUIRE(reply);
  std::smatch m;
  REQUIRE(std::regex_match(*reply, m, std::regex(R"(^ok receipts (\S+)$)")));
  if (database_id != nullptr) *database_id = m[1].str();
  REQUIRE(c->send_line("login " + user + " " + password_of(user)));
  REQUIRE(c->read_reply() == "ok welcome " + user);
  return c;
}

// Reads stored messages until `done` says the last one was the end (presence events are
// passed over). Every line must come within the I/O deadline.
template <class Done>
std::vector<stored_message> read_stored_until(tcp_client& c, Done done) {
  std::vector<stored_message> got;
  for (;;) {
    const auto line = c.read_line();
    REQUIRE(line);
    if (line->rfind("presence ", 0) == 0) continue;
    INFO("line: " << *line);
    const auto m = parse_stored(*line);
    REQUIRE(m);
    got.push_back(*m);
    if (done(got)) return got;
  }
}

std::vector<stored_message> read_stored(tcp_client& c, std::size_t n) {
  return read_stored_until(c, [n](const auto& got) { return got.size() == n; });
}

// Nothing queued is on its way: up to the reply to a round trip, no stored or offline line.
// (A login with a queue holds its welcome until the first page, so a page would come first.)
void expect_nothing_queued(tcp_client& c) {
  REQUIRE(c.send_line("whoelse"));
  for (;;) {
    const auto line = c.read_line();
    REQUIRE(line);
    INFO("line: " << *line);
    CHECK_FALSE(is_queued_message(*line));
    if (line->rfind("ok users", 0) == 0) return;
  }
}

void confirm(tcp_client& c, std::uint64_t id) {
  REQUIRE(c.send_line("confirm " + std::to_string(id)));
  REQUIRE(c.read_reply() == "ok confirmed " + std::to_string(id));
}

void queue_for_bob(tcp_client& from, const std::string& text) {
  REQUIRE(from.send_line("message bob " + text));
  REQUIRE(from.read_reply() == "ok queued for bob (offline)");
}

}  // namespace

TEST_CASE("after kill -9 queued messages, blocks, login blocks and login history survive",
          "[durability]") {
  constexpr int n = 50;
  durable_server server;
  server.launch();

  // Before the kill: history, a login block, a queue, a block, and two users online.
  {
    auto bob = server.login("bob");
    REQUIRE(bob->send_line("logout"));
    REQUIRE(bob->read_reply() == "ok goodbye bob");
  }
  const auto dave = server.login("dave");
  {
    auto eve = server.connect();
    for (int attempt = 1; attempt <= 3; ++attempt) {
      REQUIRE(eve->send_line("login eve not-" + password_of("eve")));
      const auto refusal = eve->read_reply();
      REQUIRE(refusal);
      const auto code = attempt < 3 ? "error wrong-password" : "error login-blocked";
      CHECK_THAT(*refusal, Catch::StartsWith(code));
    }
    CHECK(eve->closed_within(io_deadline));
  }
  const auto alice = server.login("alice");
  for (int i = 1; i <= n; ++i)
    queue_for_bob(*alice, numbered("m", i));
  REQUIRE(alice->send_line("block carol"));
  REQUIRE(alice->read_reply() == "ok blocked carol");

  server.kill();
  server.launch();

  // Carol first, alone: alice (who blocked her) is hidden from her, dave was online at the kill.
  const auto carol = server.login("carol");
  REQUIRE(carol->send_line("whoelse"));
  CHECK(carol->read_reply() == "ok users");
  REQUIRE(carol->send_line("whoelsesince 3600"));
  CHECK(carol->read_reply() == "ok users bob dave");
  REQUIRE(carol->send_line("message alice hi"));
  const auto refused = carol->read_reply();
  REQUIRE(refused);
  CHECK_THAT(*refused, Catch::StartsWith("error blocked"));

  {
    auto eve = server.connect();
    REQUIRE(eve->send_line("login eve " + password_of("eve")));
    const auto still = eve->read_reply();
    REQUIRE(still);
    CHECK_THAT(*still, Catch::StartsWith("error login-blocked"));
  }

  const auto bob = login_with_receipts(server, "bob");
  const auto got = read_stored(*bob, n);
  for (int i = 0; i < n; ++i) {
    INFO("message " << i + 1);
    CHECK(got[i].from == "alice");
    CHECK(got[i].text == numbered("m", i + 1));
    if (i > 0) CHECK(got[i].id > got[i - 1].id);
  }
  confirm(*bob, got.back().id);
  REQUIRE(bob->send_line("whoelsesince 3600"));
  CHECK(bob->read_reply() == "ok users alice carol dave");
  REQUIRE(bob->send_line("whoelse"));
  CHECK(bob->read_reply() == "ok users carol");

  REQUIRE(bob->send_line("logout"));
  REQUIRE(bob->read_reply() == "ok goodbye bob");
  const auto again = login_with_receipts(server, "bob");
  expect_nothing_queued(*again);
}

TEST_CASE("stored messages not confirmed before a kill -9 come again with the same ids",
          "[durability]") {
  constexpr std::size_t n = 5;
  durable_server server;
  server.launch();
  {
    const auto alice = server.login("alice");
    for (std::size_t i = 1; i <= n; ++i)
      queue_for_bob(*alice, numbered("once ", static_cast<int>(i)));
  }

  std::string database_id;
  std::vector<stored_message> first;
  {
    const auto bob = login_with_receipts(server, "bob", &database_id);
    first = read_stored(*bob, n);
    server.kill();  // bob has shown them and not yet confirmed
  }
  server.launch();

  std::string same_database;
  const auto bob = login_with_receipts(server, "bob", &same_database);
  CHECK(same_database == database_id);
  const auto second = read_stored(*bob, n);
  for (std::size_t i = 0; i < n; ++i) {
    INFO("message " << i + 1);
    CHECK(second[i].id == first[i].id);
    CHECK(second[i].text == first[i].text);
    CHECK(second[i].text == numbered("once ", static_cast<int>(i + 1)));
  }
  confirm(*bob, second.back().id);

  server.stop();
  server.launch();
  const auto later = login_with_receipts(server, "bob");
  expect_nothing_queued(*later);
}

namespace {

// What the sender of the crash loop knows about each seq it sent.
struct send_record {
  std::set<int> acknowledged;  // `ok queued`: committed before the reply
  std::set<int> refused;       // an error reply: never stored
  std::set<int> in_flight;     // sent, no reply when the server died: stored or not
};

// One life of the server: alice sends `message bob <seq>` for `sending`, with up to `window`
// unanswered, and the server is killed; replies it wrote before it died still count.
void send_until_killed(durable_server& server, send_record& record, int& next_seq,
                       milliseconds sending, std::size_t window) {
  const auto alice = server.login("alice");
  std::deque<int> unanswered;
  const auto take_reply = [&](const std::string& line) {
    INFO("line: " << line);
    REQUIRE(!unanswered.empty());
    if (line == "ok queued for bob (offline)") {
      record.acknowledged.insert(unanswered.front());
    } else {
      REQUIRE(line.rfind("error ", 0) == 0);
      record.refused.insert(unanswered.front());
    }
    unanswered.pop_front();
  };

  const auto stop_at = clock_type::now() + sending;
  while (clock_type::now() < stop_at) {
    while (unanswered.size() < window) {
      REQUIRE(alice->send_line("message bob " + std::to_string(next_seq)));
      unanswered.push_back(next_seq++);
    }
    const auto left = std::chrono::ceil<milliseconds>(stop_at - clock_type::now());
    if (const auto line = alice->read_line(std::max(left, milliseconds(1)))) take_reply(*line);
  }
  server.kill();
  while (const auto line = alice->read_line())
    take_reply(*line);
  record.in_flight.insert(unanswered.begin(), unanswered.end());
}

std::uint32_t crash_loop_seed() {
  if (const char* fixed = std::getenv("MSGAPP_CRASH_SEED")) {
    return static_cast<std::uint32_t>(std::strtoul(fixed, nullptr, 10));
  }
  return std::random_device{}();
}

}  // namespace

TEST_CASE("crash loop: 20 kills -9 while a sender queues, then every acknowledged message once",
          "[durability]") {
  constexpr int kills = 20;
  const auto seed = crash_loop_seed();
  std::cout << "crash loop seed " << seed << " (MSGAPP_CRASH_SEED=" << seed << " repeats it)\n";
  INFO("seed " << seed);
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> sending_ms(20, 150);
  std::uniform_int_distribution<int> pipelined(0, 1);

  durable_server server;
  send_record record;
  int next_seq = 1;
  for (int k = 0; k < kills; ++k) {
    server.launch();
    const milliseconds sending(sending_ms(random));
    const std::size_t window = pipelined(random) ? 16 : 1;
    send_until_killed(server, record, next_seq, sending, window);
  }

  server.launch();
  {
    const auto alice = server.login("alice");
    queue_for_bob(*alice, "end");
  }
  const auto bob = login_with_receipts(server, "bob");
  const auto got =
      read_stored_until(*bob, [](const auto& so_far) { return so_far.back().text == "end"; });
  std::cout << "crash loop: " << next_seq - 1 << " sent, " << record.acknowledged.size()
            << " acknowledged, " << record.in_flight.size() << " in flight at a kill, "
            << record.refused.size() << " refused, " << got.size() - 1 << " delivered\n";

  std::set<int> delivered;
  int last_seq = 0;
  for (std::size_t i = 0; i + 1 < got.size(); ++i) {
    INFO("message " << i << ": " << got[i].text);
    REQUIRE(got[i].from == "alice");
    const int seq = std::stoi(got[i].text);
    CHECK(seq > last_seq);  // in order, and so each at most once
    if (i > 0) CHECK(got[i].id > got[i - 1].id);
    CHECK((record.acknowledged.contains(seq) || record.in_flight.contains(seq)));
    last_seq = seq;
    delivered.insert(seq);
  }
  for (const int seq : record.acknowledged) {
    INFO("acknowledged seq " << seq);
    CHECK(delivered.contains(seq));
  }

  confirm(*bob, got.back().id);
  REQUIRE(bob->send_line("logout"));
  REQUIRE(bob->read_reply() == "ok goodbye bob");
  const auto again = login_with_receipts(server, "bob");
  expect_nothing_queued(*again);
}

TEST_CASE("a second msgserver on the same data directory refuses to start", "[durability]") {
  durable_server server;
  server.launch();
  const auto alice = server.login("alice");

  const auto second = run_server(server.args());
  INFO("stderr: " << second.err);
  REQUIRE(second.status);
  CHECK(*second.status != 0);
  CHECK_THAT(second.err, Catch::Contains(server.data));
  CHECK_THAT(second.err, Catch::Contains("in use"));
  CHECK_THAT(second.out, !Catch::Contains("listening"));

  // The first one goes on serving, old connections and new ones alike.
  REQUIRE(alice->send_line("whoelse"));
  CHECK(alice->read_reply() == "ok users");
  server.login("bob");

  // The lock dies with its process: a restart after kill -9 is never refused.
  server.kill();
  server.launch();
  server.login("bob");
}

TEST_CASE("msgserver refuses a bad data directory, names it and writes nothing", "[durability]") {
  const temp_dir dir;
  const auto creds = dir.write("creds.txt", durable_accounts);
  const auto refused = [&](const std::string& data_dir, const std::string& named) {
    const auto r = run_server(
        {"0", "600", "600", "--credentials", creds, "--bind", "127.0.0.1", "--data-dir", data_dir});
    INFO("stderr: " << r.err);
    REQUIRE(r.status);
    CHECK(*r.status == 1);
    CHECK_THAT(r.err, Catch::Contains(named));
    CHECK_THAT(r.out, !Catch::Contains("listening"));
  };

  SECTION("a regular file where the directory should be") {
    const std::string content = "not a directory\n";
    const auto file = dir.write("data", content);
    refused(file, file);
    CHECK(read_file(file) == content);
  }
  SECTION("garbage in msgapp.db") {
    const auto data = dir.path_of("data");
    fs::create_directory(data);
    std::string garbage;
    std::mt19937 bytes(8);
    for (int i = 0; i < 8192; ++i)
      garbage.push_back(static_cast<char>(bytes() & 0xff));
    const auto db = data + "/msgapp.db";
    std::ofstream(db, std::ios::binary) << garbage;
    refused(data, db);
    CHECK(read_file(db) == garbage);
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
      INFO(db + suffix);
      CHECK_FALSE(fs::exists(db + suffix));
    }
  }
}

TEST_CASE("msgserver --in-memory keeps nothing across a restart and writes no data directory",
          "[durability]") {
  const temp_dir dir;
  const temp_dir cwd;
  const auto creds = dir.write("creds.txt", durable_accounts);
  const std::vector<std::string> args{"0",   "600",    "600",       "--credentials",
                                      creds, "--bind", "127.0.0.1", "--in-memory"};
  server_process server;
  server.start(args, cwd.path());
  {
    const auto alice = server.login("alice", password_of("alice"));
    queue_for_bob(*alice, "gone with the process");
  }
  server.stop();
  server.start(args, cwd.path());
  const auto bob = server.login("bob", password_of("bob"));
  expect_nothing_queued(*bob);
  CHECK(fs::is_empty(cwd.path()));
}

TEST_CASE("with no option msgserver keeps its state in msgapp-data in its working directory",
          "[durability]") {
  const temp_dir dir;
  const temp_dir cwd;
  const auto creds = dir.write("creds.txt", durable_accounts);
  const std::vector<std::string> args{"0",      "600",       "600",         "--credentials", creds,
                                      "--bind", "127.0.0.1", "--log-level", "warn"};
  server_process server;
  server.start(args, cwd.path());
  CHECK(fs::is_directory(cwd.path_of("msgapp-data")));
  CHECK(fs::is_regular_file(cwd.path_of("msgapp-data/msgapp.db")));
  {
    const auto alice = server.login("alice", password_of("alice"));
    queue_for_bob(*alice, "kept in msgapp-data");
  }
  server.kill();
  server.start(args, cwd.path());
  const auto bob = server.connect();
  REQUIRE(bob->send_line("login bob " + password_of("bob")));
  REQUIRE(bob->read_reply() == "ok welcome bob");
  const auto line = bob->read_line();
  REQUIRE(line);
  CHECK(std::regex_match(*line, std::regex(R"(^offline \S+ alice kept in msgapp-data$)")));
}
