// The ceiling relay: login, message, broadcast and logout, with msgserver's bytes and no rules.
#include "relay.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>

#include <msgapp/net/contain.hpp>
#include <msgapp/protocol/limits.hpp>
#include <msgapp/protocol/server_line.hpp>
#include <msgapp/protocol/words.hpp>

namespace msgceiling {

namespace proto = msgapp::protocol;
namespace words = msgapp::protocol::words;
using msgapp::tcp;
using msgapp::use_nothrow;

namespace {

// msgserver's defaults (protocol limits, config::outbox_bytes), so both cut off alike.
constexpr std::size_t max_line = proto::limits{}.max_line;
constexpr std::size_t outbox_limit = 512 * 1024;
// An outbox that once held a burst gives its memory back when it empties.
constexpr std::size_t keep_outbox_capacity = 64 * 1024;

std::string_view take_word(std::string_view& s) {
  const auto space = s.find(' ');
  const auto word = s.substr(0, space);
  s = space == std::string_view::npos ? std::string_view{} : s.substr(space + 1);
  return word;
}

bool would_block(const asio::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

}  // namespace

// Output not yet taken by the kernel: one block, appended to with one size check per line and
// taken from the front without moving what is left.
class outbox {
 public:
  void append(std::initializer_list<std::string_view> pieces) {
    std::size_t n = 0;
    for (const auto piece : pieces)
      n += piece.size();
    if (end_ + n > capacity_) grow(n);
    for (const auto piece : pieces) {
      if (piece.empty()) continue;  // its data() may be null, which memcpy must not get
      std::memcpy(data_.get() + end_, piece.data(), piece.size());
      end_ += piece.size();
    }
  }
  std::string_view pending() const { return {data_.get() + begin_, end_ - begin_}; }
  bool empty() const { return begin_ == end_; }
  std::size_t size() const { return end_ - begin_; }
  void taken(std::size_t n) {
    begin_ += n;
    if (begin_ != end_) return;
    begin_ = end_ = 0;
    if (capacity_ > keep_outbox_capacity) release();
  }
  void release() {
    data_.reset();
    begin_ = end_ = capacity_ = 0;
  }

 private:
  void grow(std::size_t more) {
    const std::size_t kept = size();
    const std::size_t capacity = std::max({2 * capacity_, kept + more, std::size_t{256}});
    auto data = std::make_unique_for_overwrite<char[]>(capacity);
    if (kept > 0) std::memcpy(data.get(), data_.get() + begin_, kept);
    data_ = std::move(data);
    begin_ = 0;
    end_ = kept;
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  std::size_t begin_ = 0;  // data_[begin_, end_) waits for the kernel
  std::size_t end_ = 0;
  std::size_t capacity_ = 0;
};

struct session : std::enable_shared_from_this<session> {
  explicit session(tcp::socket s) : sock(std::move(s)) {}
  tcp::socket sock;
  std::string name;    // empty until login; by_name_ holds views of it
  std::size_t at = 0;  // index in online_
  outbox out;
  std::string partial;              // the start of a line whose end has not arrived
  bool dirty = false;               // in dirty_
  bool writing = false;             // a writer waits for room in the kernel's send buffer
  bool close_when_written = false;  // logout: the goodbye goes out first

  bool open() const { return sock.is_open(); }
  void close() {
    asio::error_code ignored;
    sock.close(ignored);  // the pending waits end, and with them the coroutines
    out.release();
  }
  void write_now() {
    while (!out.empty() && open()) {
      asio::error_code ec;
      const auto bytes = out.pending();
      const std::size_t n = sock.write_some(asio::buffer(bytes.data(), bytes.size()), ec);
      if (would_block(ec)) return;
      if (ec) return close();
      out.taken(n);
    }
  }
};

namespace {

// Lives only while the kernel has no room for this session's output.
msgapp::awaitable<void> write_when_ready(std::shared_ptr<session> s) {
  while (!s->out.empty() && s->open()) {
    auto [ec] = co_await s->sock.async_wait(tcp::socket::wait_write, use_nothrow);
    if (ec) break;
    s->write_now();
  }
  s->writing = false;
  if (s->close_when_written) s->close();
}

}  // namespace

relay::relay() : greeting_(proto::format_greeting()) {}

msgapp::awaitable<void> relay::serve(tcp::socket sock) {
  auto s = std::make_shared<session>(std::move(sock));
  asio::error_code ec;
  s->sock.set_option(tcp::no_delay(true), ec);
  if (!ec) s->sock.non_blocking(true, ec);  // read_some and write_some never block the thread
  if (ec) co_return;
  queue(*s, {greeting_});
  bool reading = true;
  while (reading && s->open()) {
    // Wait for readability first: an idle connection holds one pending wait and no buffer.
    auto [wait_ec] = co_await s->sock.async_wait(tcp::socket::wait_read, use_nothrow);
    if (wait_ec) break;
    refresh_time();
    reading = read_available(*s);
  }
  leave(*s);
  if (!reading && s->open() && (!s->out.empty() || s->writing)) {
    s->close_when_written = true;  // logged out: flush_all or the writer closes after the goodbye
  } else {
    s->close();
  }
}

bool relay::read_available(session& s) {
  for (;;) {
    asio::error_code ec;
    const std::size_t n = s.sock.read_some(asio::buffer(scratch_), ec);
    if (would_block(ec)) return true;
    if (ec) return false;  // eof included: never read again after it (Asio 1.22)
    if (!take_bytes(s, std::string_view(scratch_.data(), n))) return false;
    if (n < scratch_.size()) return true;
  }
}

bool relay::take_bytes(session& s, std::string_view bytes) {
  while (!bytes.empty()) {
    const char* nl = static_cast<const char*>(std::memchr(bytes.data(), '\n', bytes.size()));
    if (nl == nullptr) {
      if (s.partial.size() + bytes.size() >= max_line) return false;  // no line that long
      s.partial.append(bytes);
      return true;
    }
    const auto len = static_cast<std::size_t>(nl - bytes.data());
    bool go_on = true;
    if (s.partial.empty()) {
      go_on = len < max_line && take_line(s, bytes.substr(0, len));
    } else {
      s.partial.append(bytes.substr(0, len));
      go_on = s.partial.size() < max_line && take_line(s, s.partial);
      s.partial.clear();
    }
    if (!go_on) return false;
    bytes.remove_prefix(len + 1);
  }
  return true;
}

// False once the session is done reading (logout).
bool relay::take_line(session& s, std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view args = line;
  const auto word = take_word(args);
  if (word == words::login) {
    login(s, args);
  } else if (s.name.empty() &&
             (word == words::message || word == words::broadcast || word == words::logout)) {
    queue_error(s, proto::errc::not_logged_in, "log in first");
  } else if (word == words::message) {
    message(s, args);
  } else if (word == words::broadcast) {
    broadcast(s, args);
  } else if (word == words::logout) {
    queue(s, {words::ok, " ", words::goodbye, " ", s.name, "\n"});
    return false;
  } else if (line.empty()) {
    queue_error(s, proto::errc::empty_line, "an empty line");
  } else {
    queue_error(s, proto::errc::bad_command,
                "the ceiling relay takes only login, message, "
                "broadcast and logout");
  }
  return true;
}

void relay::login(session& s, std::string_view args) {
  const auto user = take_word(args);
  if (!s.name.empty()) return queue_error(s, proto::errc::already_logged_in, "you are in");
  if (user.empty() || args.empty())
    return queue_error(s, proto::errc::usage, "give a name and a password");
  if (by_name_.contains(user)) return queue_error(s, proto::errc::already_online, "taken");
  s.name = user;  // any password will do
  by_name_.emplace(s.name, &s);
  s.at = online_.size();
  online_.push_back(&s);
  queue(s, {words::ok, " ", words::welcome, " ", s.name, "\n"});
}

void relay::message(session& s, std::string_view args) {
  const auto to = take_word(args);
  const auto found = by_name_.find(to);
  if (found == by_name_.end()) return queue_error(s, proto::errc::offline, "not online");
  queue(*found->second, {words::msg, " ", time_, " ", s.name, " ", args, "\n"});
  queue(s, {words::ok, " ", words::delivered_to, " ", to, "\n"});
}

void relay::broadcast(session& s, std::string_view text) {
  std::size_t sent = 0;
  for (session* to : online_) {
    if (to == &s) continue;
    queue(*to, {words::broadcast, " ", time_, " ", s.name, " ", text, "\n"});
    ++sent;
  }
  std::array<char, 24> count{};
  const auto end = std::to_chars(count.data(), count.data() + count.size(), sent).ptr;
  const std::string_view n(count.data(), static_cast<std::size_t>(end - count.data()));
  queue(s, {words::ok, " ", words::broadcast_to, " ", n, sent == 1 ? " user\n" : " users\n"});
}

void relay::leave(session& s) {
  if (s.name.empty()) return;
  by_name_.erase(s.name);
  online_[s.at] = online_.back();
  online_[s.at]->at = s.at;
  online_.pop_back();
  s.name.clear();
}

void relay::queue(session& to, std::initializer_list<std::string_view> pieces) {
  if (!to.open()) return;  // cut off: lines to it go nowhere until its session ends
  to.out.append(pieces);
  if (to.out.size() > outbox_limit) return to.close();  // it stopped reading
  if (to.dirty) return;
  to.dirty = true;
  // Flush once the handlers that are ready now have run: sessions woken together by one poll
  // of the reactor (fanout's senders) then reach each recipient in one write.
  if (dirty_.empty()) asio::post(to.sock.get_executor(), [this] { flush_all(); });
  dirty_.push_back(to.shared_from_this());
}

void relay::queue_error(session& to, proto::errc code, std::string_view text) {
  const proto::error e{code, std::string(text)};
  queue(to, {proto::format_error(e)});
}

void relay::flush_all() {
  for (auto& s : dirty_) {
    s->dirty = false;
    if (s->writing) continue;  // its writer takes the new lines too
    s->write_now();
    if (!s->out.empty() && s->open()) {
      s->writing = true;
      const auto ex = s->sock.get_executor();  // before s moves: arguments have no set order
      asio::co_spawn(ex, write_when_ready(std::move(s)),
                     msgapp::log_and_contain{"a ceiling writer"});
    } else if (s->close_when_written) {
      s->close();
    }
  }
  dirty_.clear();
}

void relay::refresh_time() {
  const auto now = std::chrono::system_clock::now();
  const auto second = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  if (second.count() == time_second_) return;
  time_second_ = second.count();
  time_ = proto::format_time(now);
}

}  // namespace msgceiling
