// The hub fuzzer's driver: the actions of hub_script.hpp, a model of a connection's outbox,
// and the checks at the end.
#include "hub_script.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include <msgapp/protocol/command.hpp>
#include <msgapp/protocol/words.hpp>

#include "server_line_check.hpp"

namespace msgapp::fuzz {

using namespace std::chrono_literals;

// MSGAPP_FUZZ_TRACE=1 prints each action and every line and close the hub makes (replaying
// one input, to see why it failed).
const bool tracing = std::getenv("MSGAPP_FUZZ_TRACE") != nullptr;

// A connection's outbox as hub_state sees it (outbox.cpp, connection.hpp): bounded in bytes,
// lines dropped once it is ending, and when_written called back once the client has read all.
class client_sink final : public server::line_sink {
 public:
  enum class state { open, closing, closed };
  client_sink(server::conn_id id, std::size_t max_bytes) : id_(id), max_bytes_(max_bytes) {}

  bool deliver(server::shared_line line) override {
    require_server_line(*line);
    if (tracing)
      std::fprintf(stderr, "  %llu <- %s", static_cast<unsigned long long>(id_), line->c_str());
    if (state_ != state::open) return true;  // dropped: the connection is ending
    if (bytes_ + line->size() > max_bytes_) return false;
    bytes_ += line->size();
    const auto word = std::string_view(*line).substr(0, line->find(' '));
    if (word == protocol::words::ok || word == protocol::words::error) ++replies;
    return true;
  }
  void close_after_flush() override {
    if (tracing)
      std::fprintf(stderr, "  %llu close_after_flush\n", static_cast<unsigned long long>(id_));
    if (state_ == state::open) state_ = bytes_ == 0 ? state::closed : state::closing;
  }
  void abort() override {
    if (tracing) std::fprintf(stderr, "  %llu abort\n", static_cast<unsigned long long>(id_));
    state_ = state::closed;
    bytes_ = 0;
    ready_ = nullptr;
  }
  void when_written(std::function<void()> ready) override { ready_ = std::move(ready); }

  // The client read everything: what the connection would post next, if anything.
  std::function<void()> drain() {
    if (!reading) return nullptr;
    bytes_ = 0;
    if (state_ == state::closing) state_ = state::closed;
    if (state_ == state::closed) ready_ = nullptr;  // a closed socket calls nobody back
    return std::exchange(ready_, nullptr);
  }
  bool ending() const { return state_ != state::open; }

  bool reading = true;
  std::size_t replies = 0;  // queued ok and error lines

 private:
  server::conn_id id_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  state state_ = state::open;
  std::function<void()> ready_;
};

namespace {

// Small bounds, so quotas, pages, full outboxes and a busy store are a few lines away.
server::config small_config() {
  server::config c;
  c.block_duration = 10s;
  c.timeout = 60s;
  c.login_attempts = 3;
  c.limits.max_line = 256;
  c.limits.max_text = 120;
  c.max_connections = 6;
  c.outbox_bytes = 2'000;
  c.offline_messages = 3;
  c.sender_messages = 5;
  c.store_bytes = 300;
  c.page_messages = 2;
  c.page_bytes = 200;
  c.store_backlog = 12;
  c.login_history = 1h;
  c.shutdown_grace = 1s;
  c.private_offers = 2;
  c.private_offer_lifetime = 5s;
  return c;
}

bool is_address(std::string_view s) {
  return !s.empty() && s.size() <= 45 &&
         s.find_first_not_of("0123456789abcdef.:") == std::string_view::npos;
}

// As the password pool would answer for erin, whose secret is a hash.
server::hash_check verdict(const server::parsed_command& cmd) {
  const auto* login = cmd ? std::get_if<protocol::login_cmd>(&*cmd) : nullptr;
  if (login == nullptr || login->user != "erin") return server::hash_check::not_done;
  if (login->password == "busy") return server::hash_check::refused;
  return login->password == "e" ? server::hash_check::matches : server::hash_check::differs;
}

}  // namespace

hub_script::hub_script()
    : cfg_(small_config()),
      accounts_{{"alice", "a"},
                {"bob", "b"},
                {"carol", "c"},
                {"dave", "d"},
                {"erin", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"}},
      now_{std::chrono::steady_clock::time_point(1000h),
           std::chrono::system_clock::time_point(1'700'000'000s)} {
  spdlog::set_level(spdlog::level::off);
  require(server::validate(cfg_).has_value(), "the fuzzer's configuration is valid");
  start();
}

hub_script::~hub_script() {
  hub_.reset();  // first: it holds the sinks, whose callbacks point into it
}

void hub_script::start() {
  pending_.clear();
  last_ticket_ = 0;
  clients_.clear();
  hub_.reset();
  auto counter = [n = 0]() mutable { return "t" + std::to_string(++n); };
  auto submit = [this](store::batch b) {
    require(b.ticket > last_ticket_, "batches are handed over in ticket order");
    last_ticket_ = b.ticket;
    pending_.push_back(std::move(b));
  };
  const auto wall = now_.wall.time_since_epoch() / 1ms;
  hub_.emplace(cfg_, accounts_, counter, server::store_link{store_.snapshot(wall), submit}, now_);
}

void hub_script::step(std::string_view line) {
  if (line.empty()) return;
  if (tracing) std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  const char op = line.front();
  const std::string_view rest = line.substr(1);
  if (op >= '0' && op <= '9') {
    if (auto* c = live(op)) say(*c, rest);
  } else if (op == '+') {
    attach(rest);
  } else if (op == '-' && !rest.empty()) {
    if (auto* c = live(rest.front())) {
      c->detached = true;
      hub_->detach(c->id, "the client closed the connection", now_);
    }
  } else if (op == 'z' && !rest.empty()) {
    if (auto* c = live(rest.front())) c->sink->reading = !c->sink->reading;
  } else if (op == '>') {
    std::uint32_t ms = 1000;
    std::from_chars(rest.data(), rest.data() + rest.size(), ms);
    now_.mono += std::chrono::milliseconds(ms);
    now_.wall += std::chrono::milliseconds(ms);
  } else if (op == 's') {
    hub_->sweep(now_);
  } else if (op == 'c') {
    answer_store(rest);
  } else if (op == '!') {
    hub_->shut_down(now_);
  } else if (op == 'r') {
    start();
  }
  settle();
}

void hub_script::attach(std::string_view address) {
  const auto id = next_id_++;
  auto sink = std::make_shared<client_sink>(id, cfg_.outbox_bytes);
  const std::string from = is_address(address) ? std::string(address) : "127.0.0.1";
  if (hub_->attach(id, sink, from, now_)) {
    clients_.push_back(client{id, std::move(sink)});
  } else {
    require(sink->ending(), "a refused connection is told and closed");
  }
}

hub_script::client* hub_script::live(char digit) {
  std::vector<client*> open;
  for (auto& c : clients_)
    if (!c.detached) open.push_back(&c);
  if (open.empty()) return nullptr;
  return open[static_cast<unsigned char>(digit) % open.size()];
}

// As run_session does: a line too long for the framer is an error, anything else is parsed;
// before login it goes to login(), after it to command().
void hub_script::say(client& c, std::string_view text) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);  // the framer drops it
  server::parsed_command cmd = text.size() + 1 > cfg_.limits.max_line
                                   ? server::parsed_command(tl::unexpected(protocol::error{
                                         protocol::errc::line_too_long, "the line was skipped"}))
                                   : protocol::parse_command(text, cfg_.limits);
  ++c.lines;
  if (c.logged_in) {
    hub_->command(c.id, std::move(cmd), now_);
  } else if (hub_->login(c.id, cmd, now_, verdict(cmd))) {
    c.logged_in = true;
  }
}

void hub_script::answer_store(std::string_view outcomes) {
  const std::size_t n = outcomes.empty() ? pending_.size() : outcomes.size();
  std::vector<store::outcome> answers;
  for (std::size_t i = 0; i < n && !pending_.empty(); ++i) {
    auto b = std::move(pending_.front());
    pending_.pop_front();
    if (!outcomes.empty() && outcomes[i] == '0') {
      answers.push_back(store::outcome{b.ticket, tl::unexpected(std::string("disk failed"))});
    } else {
      answers.push_back(store::outcome{b.ticket, store_.apply(b)});
    }
  }
  if (!answers.empty()) hub_->committed(std::move(answers), now_);
}

// Every reading client reads what it was sent; the callbacks that follow run between turns.
void hub_script::settle() {
  for (int round = 0; round < 100; ++round) {
    bool ran = false;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      if (auto ready = clients_[i].sink->drain()) {
        ready();
        ran = true;
      }
    }
    if (!ran) return;
  }
}

// The store answers everything and every client reads, until nothing more happens.
void hub_script::quiesce() {
  for (int round = 0; round < 1000 && !pending_.empty(); ++round) {
    answer_store({});
    settle();
  }
  require(pending_.empty(), "the hub stops handing over batches once nothing happens");
}

void hub_script::finish() {
  for (auto& c : clients_)
    c.sink->reading = true;
  settle();
  quiesce();
  // One reply per line, once the store has answered: unless the hub is ending the connection.
  for (auto& c : clients_) {
    if (!c.detached && !c.sink->ending())
      require(c.sink->replies == c.lines, "every line of an open connection gets one reply");
  }
  if (!hub_->stopping()) hub_->shut_down(now_);
  settle();
  quiesce();
  now_.mono += cfg_.shutdown_grace + 1ms;
  now_.wall += cfg_.shutdown_grace + 1ms;
  hub_->sweep(now_);
  settle();
  quiesce();
  for (auto& c : clients_)
    require(c.detached || c.sink->ending(), "after shutdown's grace every connection is closed");
  for (auto& c : clients_) {
    if (c.detached) continue;
    c.detached = true;
    hub_->detach(c.id, "closed by the server", now_);
    settle();
  }
  quiesce();
  require(hub_->finished(), "once every reader has ended, the hub holds no connection");
}

}  // namespace msgapp::fuzz
