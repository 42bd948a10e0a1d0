// Offline messages shown exactly once by the real msgclient against the real msgserver: shown
// and confirmed, never shown again from another state directory, ids already shown skipped,
// and a client killed again and again before it could confirm; and against a stand-in
// server: one without receipts, and the order of what msgclient sends.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <msgapp/client/client.hpp>
#include <msgapp/client/shown_messages.hpp>
#include <msgapp/net.hpp>
#include <msgapp/net/sleep.hpp>
#include <msgapp/protocol/reply.hpp>

#include "msgclient_fixture.hpp"

using namespace msgapp::test;

namespace {

namespace net = msgapp::net;
namespace protocol = msgapp::protocol;
using msgapp::awaitable;

// What the server has kept for a user, as a client that sends `receipts` sees it at login.
struct kept {
  std::string database_id;
  std::vector<protocol::stored_event> stored;
  std::string trouble;  // empty when the look went as planned
};

awaitable<kept> look(std::uint16_t port, std::string user) {
  kept out;
  auto c = co_await msgapp::client::client::connect("127.0.0.1", port);
  if (!c) co_return kept{{}, {}, "connect: " + c.error().message()};
  protocol::command receipts = protocol::receipts_cmd{};
  const auto answered = co_await c->request(std::move(receipts));
  const auto typed = answered ? protocol::parse_ok_text(answered->text) : std::nullopt;
  const auto* id = typed ? std::get_if<protocol::receipts_reply>(&*typed) : nullptr;
  if (!id) co_return kept{{}, {}, "receipts: no database id"};
  out.database_id = id->database_id;
  const auto welcome = co_await c->login(user, password_of(user));
  if (!welcome || welcome->kind != protocol::line_kind::ok) co_return kept{{}, {}, "login"};
  // The server sends the queued messages at login, so they are in before this reply.
  protocol::command whoelse = protocol::whoelse_cmd{};
  const auto who = co_await c->request(std::move(whoelse));
  if (!who) co_return kept{{}, {}, "whoelse"};
  while (c->pending_events() > 0) {
    const auto event = co_await c->next_event();
    if (!event) break;
    const auto* stored =
        event->typed ? std::get_if<protocol::stored_event>(&*event->typed) : nullptr;
    if (stored) out.stored.push_back(*stored);
  }
  c->close();  // confirms nothing: the server keeps them all
  co_return out;
}

kept look_at(const server_process& srv, const std::string& user) {
  using namespace net::experimental::awaitable_operators;
  net::io_context io{1};
  const auto port = static_cast<std::uint16_t>(std::stoi(srv.port()));
  auto done = net::co_spawn(io, look(port, user) || msgapp::sleep_for(std::chrono::seconds(5)),
                            net::use_future);
  io.run();
  auto result = done.get();
  REQUIRE(result.index() == 0);  // not the five seconds
  auto out = std::get<0>(std::move(result));
  INFO(out.trouble);
  REQUIRE(out.trouble.empty());
  return out;
}

// The texts of the offline messages a msgclient printed, in order.
std::vector<std::string> offline_texts(const child_process& c) {
  static const std::regex offline(
      "^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\w+ \\(offline message\\): (.*)$");
  std::vector<std::string> texts;
  std::istringstream lines(c.out());
  std::smatch m;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_match(line, m, offline)) texts.push_back(m[1]);
  }
  return texts;
}

void queue_for(child_process& sender, const std::string& to,
               const std::vector<std::string>& texts) {
  for (const auto& t : texts) {
    sender.type("message " + to + " " + t);
    wait_for(sender, "(offline)");
  }
}

client_ptr logged_in_with(const server_process& srv, const std::string& user,
                          std::vector<std::string> extra) {
  auto c = start_client(srv, std::move(extra));
  c->type(user);
  c->type(password_of(user));
  wait_for(*c, "welcome");
  return c;
}

// A reply proves every event sent before it was handled; then leave by end of input.
void finish(child_process& c) {
  c.type("whoelse");
  wait_for(c, "online");
  c.close_stdin();
  wait_for(c, "goodbye");
  CHECK(exit_status(c) == 0);
}

}  // namespace

TEST_CASE("msgclient: offline messages are shown once and confirmed; they never come again") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  const std::vector<std::string> sent{"one", "two", "three"};
  queue_for(*alice, "bob", sent);

  auto bob = logged_in(srv, "bob");
  for (const auto& t : sent)
    wait_for(*bob, "(offline message): " + t);
  finish(*bob);
  CHECK(offline_texts(*bob) == sent);

  CHECK(look_at(srv, "bob").stored.empty());  // confirmed, so deleted

  // Another state directory knows nothing, and still sees nothing: the server let them go.
  temp_dir elsewhere;
  auto fresh = logged_in_with(srv, "bob", {"--state-dir", elsewhere.str()});
  finish(*fresh);
  CHECK(offline_texts(*fresh).empty());
  CHECK(std::filesystem::exists(elsewhere.path() / "shown") == false);  // nothing to record
}

TEST_CASE("msgclient: a stored message already shown is not shown again, but confirmed") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  queue_for(*alice, "bob", {"m1", "m2", "m3", "m4"});

  // As if an earlier msgclient had shown m1 and m2 and stopped before it could confirm them.
  const auto before = look_at(srv, "bob");
  REQUIRE(before.stored.size() == 4);
  temp_dir state;
  msgapp::client::shown_messages shown(state.path());
  REQUIRE(shown.record({before.database_id, "bob"}, before.stored[1].id));

  auto bob = logged_in_with(srv, "bob", {"--state-dir", state.str()});
  wait_for(*bob, "(offline message): m4");
  finish(*bob);
  CHECK(offline_texts(*bob) == std::vector<std::string>{"m3", "m4"});
  CHECK(look_at(srv, "bob").stored.empty());  // m1 and m2 confirmed too
}

TEST_CASE("msgclient: killed before it can confirm, again and again: each message shown once") {
  server_process srv;
  auto alice = logged_in(srv, "alice");
  temp_dir state;
  std::vector<std::string> sent;
  std::vector<std::string> shown;
  constexpr int kills = 5;
  for (int round = 0; round < kills; ++round) {
    std::vector<std::string> batch;
    for (int i = 0; i < 3; ++i)
      batch.push_back(fmt::format("r{}-{}", round, i));
    queue_for(*alice, "bob", batch);
    sent.insert(sent.end(), batch.begin(), batch.end());

    auto bob = logged_in_with(srv, "bob", {"--state-dir", state.str()});
    // SIGKILL the moment the last new message is out: the confirmation (after an fsync) is
    // then usually not sent yet, so the next login gets every message of this round again.
    // Not earlier: a kill between recording a message and printing it loses that message
    // (recorded first, so that it can never show twice).
    wait_for(*bob, "(offline message): " + batch.back());
    REQUIRE(bob->signal(SIGKILL));
    CHECK(exit_status(*bob) == 128 + SIGKILL);
    const auto texts = offline_texts(*bob);
    shown.insert(shown.end(), texts.begin(), texts.end());
    wait_for(*alice, "bob logged out");  // so the next login does not find bob online
  }
  // One more, so the last run has seen (and skipped) every re-sent message before it leaves:
  // they come oldest first.
  queue_for(*alice, "bob", {"last"});
  sent.push_back("last");
  auto last = logged_in_with(srv, "bob", {"--state-dir", state.str()});
  wait_for(*last, "(offline message): last");
  finish(*last);
  const auto texts = offline_texts(*last);
  shown.insert(shown.end(), texts.begin(), texts.end());
  CHECK(shown == sent);
  CHECK(look_at(srv, "bob").stored.empty());
}

TEST_CASE("msgclient: --help says where the record of shown messages is kept") {
  child_process help(client_path, {"--help"});
  CHECK(exit_status(help) == 0);
  for (const char* words : {"--state-dir", "XDG_STATE_HOME", ".local/state/msgapp"}) {
    CHECK(help.out().find(words) != std::string::npos);
  }
}

namespace {

// A stand-in server on 127.0.0.1 for what the real one no longer does (protocol 1), or to see
// exactly which lines msgclient sends: one connection, answered line by line by `answer`.
class fake_server {
 public:
  using answerer = std::function<std::string(const std::string& line)>;

  fake_server(std::string greeting, answerer answer) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    REQUIRE(::listen(listener_, 1) == 0);
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = std::to_string(ntohs(addr.sin_port));
    thread_ = std::thread([this, greeting = std::move(greeting), answer = std::move(answer)] {
      serve(greeting, answer);
    });
  }
  ~fake_server() {
    ::shutdown(listener_, SHUT_RDWR);  // ends a wait in accept()
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }
  fake_server(const fake_server&) = delete;
  fake_server& operator=(const fake_server&) = delete;

  const std::string& port() const { return port_; }
  // Every line received, once the connection has ended.
  std::vector<std::string> received() {
    if (thread_.joinable()) thread_.join();
    return received_;
  }

 private:
  void serve(const std::string& greeting, const answerer& answer) {
    const int c = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    auto send = [c](const std::string& bytes) {
      (void)!::send(c, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    };
    send(greeting);
    std::string buffer;
    char chunk[4096];
    for (;;) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 10'000) <= 0) break;  // a bound, should msgclient hang
      const auto n = ::recv(c, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
      for (auto end = buffer.find('\n'); end != std::string::npos; end = buffer.find('\n')) {
        received_.push_back(buffer.substr(0, end));
        buffer.erase(0, end + 1);
        send(answer(received_.back()));
      }
    }
    ::close(c);
  }

  int listener_ = -1;
  std::string port_;
  std::thread thread_;
  std::vector<std::string> received_;
};

std::string first_word(const std::string& line) {
  return line.substr(0, line.find(' '));
}

// Answers like a server of `version`, with three queued messages for whoever logs in.
fake_server::answerer queued_three(int version) {
  return [version](const std::string& line) -> std::string {
    const auto word = first_word(line);
    if (word == "receipts") {
      return version == 1 ? "error bad-command no command 'receipts'\n" : "ok receipts db-fake\n";
    }
    if (word == "privateport") return "ok private sessions on port 1\n";
    if (word == "login") {
      std::string out = "ok welcome\n";
      for (int i = 1; i <= 3; ++i) {
        out += version == 1 ? fmt::format("offline 2026-11-24T08:00:00Z alice m{}\n", i)
                            : fmt::format("stored 2026-11-24T08:00:00Z alice {} m{}\n", i, i);
      }
      return out;
    }
    if (word == "whoelse") return "ok users\n";
    if (word == "confirm") return "ok confirmed " + line.substr(line.find(' ') + 1) + "\n";
    if (word == "logout") return "ok goodbye\n";
    return "error bad-command ?\n";
  };
}

client_ptr start_on(const fake_server& srv, const temp_dir& state) {
  auto c = std::make_unique<child_process>(
      client_path, std::vector<std::string>{"127.0.0.1", srv.port(), "--state-dir", state.str()});
  c->type("bob");
  c->type(password_of("bob"));
  wait_for(*c, "welcome");
  return c;
}

}  // namespace

TEST_CASE("msgclient: a server without receipts gets offline messages shown as before") {
  fake_server srv("hello msgapp 1\n", queued_three(1));
  temp_dir state;
  auto bob = start_on(srv, state);
  wait_for(*bob, "(offline message): m3");
  finish(*bob);
  CHECK(offline_texts(*bob) == std::vector<std::string>{"m1", "m2", "m3"});
  const auto sent = srv.received();
  CHECK(std::count_if(sent.begin(), sent.end(),
                      [](const auto& l) { return first_word(l) == "confirm"; }) == 0);
  CHECK_FALSE(std::filesystem::exists(state.path() / "shown"));
}

TEST_CASE("msgclient: the confirmation goes out before the next command, and is on disk first") {
  fake_server srv("hello msgapp 2\n", queued_three(2));
  temp_dir state;
  auto bob = start_on(srv, state);
  wait_for(*bob, "(offline message): m3");
  bob->type("whoelse");  // typed after m3 was shown: `confirm 3` must be before it
  finish(*bob);
  const auto sent = srv.received();
  INFO(fmt::format("{}", fmt::join(sent, " | ")));
  const auto confirmed = std::find(sent.begin(), sent.end(), "confirm 3");
  REQUIRE(confirmed != sent.end());
  CHECK(std::count(confirmed, sent.end(), "whoelse") == 2);  // the typed one and finish()'s
  msgapp::client::shown_messages shown(state.path());
  REQUIRE(shown.load());
  CHECK(shown.highest({"db-fake", "bob"}) == 3);
}
