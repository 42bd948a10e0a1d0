// The ceiling relay: who is online, and the one coroutine each connection runs.
#pragma once

#include <array>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <msgapp/net.hpp>
#include <msgapp/protocol/error.hpp>

namespace msgceiling {

struct session;

// Everything the sessions share. One io_context on one thread touches it, so it has no locks.
class relay {
 public:
  relay();

  // Greets, then relays this connection's commands until it closes or logs out.
  msgapp::awaitable<void> serve(msgapp::tcp::socket sock);

 private:
  static constexpr std::size_t scratch_bytes = 64 * 1024;  // one read; lines may span reads

  bool read_available(session& s);
  bool take_bytes(session& s, std::string_view bytes);
  bool take_line(session& s, std::string_view line);
  void login(session& s, std::string_view args);
  void message(session& s, std::string_view args);
  void broadcast(session& s, std::string_view text);
  void leave(session& s);
  void queue(session& to, std::initializer_list<std::string_view> pieces);  // one line, or part
  void queue_error(session& to, msgapp::protocol::errc code, std::string_view text);
  void flush_all();
  void refresh_time();

  std::unordered_map<std::string_view, session*> by_name_;  // views of session::name
  std::vector<session*> online_;                            // broadcast's recipients
  std::vector<std::shared_ptr<session>> dirty_;             // lines queued, flush_all posted
  std::string greeting_;
  std::string time_;  // format_time of time_second_, refreshed once a second
  long long time_second_ = -1;
  std::array<char, scratch_bytes> scratch_{};
};

}  // namespace msgceiling
