// The subscriber: one SUBSCRIBE for every channel after each connect, confirmations counted,
// messages handed over as views into hiredis's reply (no copy), and a PING to tell a quiet bus
// from a dead connection.
#include "msgapp/redis/subscriber.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "connection.hpp"

namespace msgapp::redis {
namespace detail {

// A pattern subscribed to only so that the keep-alive's pong is seen: subscribed, Redis
// answers PING ARG with ["pong", ARG], and hiredis 0.14 takes the leading 'p' of "pong" for a
// pattern reply and hands it to the callback of pattern ARG (a bare PING's pong, or one naming
// a channel, is dropped unseen). No glob characters: it matches only a channel of its own name.
constexpr const char* keepalive_pattern = "msgapp.subscriber.keepalive";

class subscriber_state final : public connection {
 public:
  using connection::connection;

  void subscribe(std::vector<std::string> channels) {
    std::vector<std::string> added;
    for (auto& c : channels) {
      if (std::find(channels_.begin(), channels_.end(), c) != channels_.end()) continue;
      if (std::find(added.begin(), added.end(), c) != added.end()) continue;
      added.push_back(std::move(c));
    }
    channels_.insert(channels_.end(), added.begin(), added.end());
    if (up() && !added.empty()) send_subscribe(std::move(added));
  }

  std::function<void(std::string_view, std::string_view)> message_handler;
  std::function<void(bool)> state_handler;

 private:
  void on_up() override {
    confirmed_.clear();
    keepalive_subscribed_ = false;
    ++session_;
    heard_ = channels_.empty();  // else the confirmations must come before the first check
    keep_alive();
    if (!channels_.empty()) {
      send_subscribe(channels_);
    } else if (state_handler) {
      state_handler(true);  // nothing to confirm
    }
  }

  void on_down(const std::string&) override {
    confirmed_.clear();
    keepalive_.cancel();
    if (state_handler) state_handler(false);
  }

  // hiredis 0.14 has no time-outs, and a quiet bus looks like a dead connection: a PING every
  // command_timeout, and the connection counts as lost when nothing at all came back by the
  // next check. Any reply counts: a message, or the pong (to keepalive_pattern's callback).
  void keep_alive() {
    keepalive_.expires_after(opts_.command_timeout);
    keepalive_.async_wait([weak = weak_self(this), session = session_](std::error_code ec) {
      const auto self = weak.lock();
      if (ec || !self || self->closed() || !self->up() || self->session_ != session) return;
      if (!self->heard_) {
        return self->drop(fmt::format("timed out: no reply from redis at {} within {} ms",
                                      to_string(self->where_),
                                      self->opts_.command_timeout.count()));
      }
      self->heard_ = false;
      if (self->channels_.empty()) {
        self->send({"PING"});  // not subscribed: an ordinary reply
      } else {
        self->send({"PING", keepalive_pattern});
      }
      self->keep_alive();
    });
  }

  void send_subscribe(std::vector<std::string> channels) {
    channels.insert(channels.begin(), "SUBSCRIBE");
    send(channels);  // if this fails the link is going, and on_down follows
    if (!keepalive_subscribed_) keepalive_subscribed_ = send({"PSUBSCRIBE", keepalive_pattern});
  }

  static std::string_view text_of(const redisReply& r) {
    return r.type == REDIS_REPLY_STRING || r.type == REDIS_REPLY_STATUS
               ? std::string_view(r.str, r.len)
               : std::string_view{};
  }

  void on_link_reply(const redisReply& r) override {
    heard_ = true;
    if (r.type != REDIS_REPLY_ARRAY || r.elements < 3) {
      if (r.type == REDIS_REPLY_ERROR) spdlog::warn("redis subscriber: {}", r.str);
      return;
    }
    const auto kind = text_of(*r.element[0]);
    const auto channel = text_of(*r.element[1]);
    if (kind == "message") {
      if (message_handler) message_handler(channel, text_of(*r.element[2]));
    } else if (kind == "subscribe") {
      const bool fresh = confirmed_.emplace(channel).second;
      if (fresh && confirmed_.size() == channels_.size() && state_handler) state_handler(true);
    }
  }

  std::vector<std::string> channels_;  // in the order asked for
  std::set<std::string, std::less<>> confirmed_;
  net::steady_timer keepalive_{ex_};
  unsigned session_ = 0;               // one per connect: a check from an earlier one is stale
  bool heard_ = false;                 // a reply came since the last check
  bool keepalive_subscribed_ = false;  // this connection has asked for keepalive_pattern
};

}  // namespace detail

subscriber::subscriber(net::any_io_executor ex, endpoint where, client_options opts)
    : state_(std::make_shared<detail::subscriber_state>(std::move(ex), std::move(where), opts)) {}

subscriber::~subscriber() {
  state_->close();
}

void subscriber::start() {
  state_->start();
}

void subscriber::subscribe(std::vector<std::string> channels) {
  state_->subscribe(std::move(channels));
}

void subscriber::on_message(
    std::function<void(std::string_view channel, std::string_view payload)> h) {
  state_->message_handler = std::move(h);
}

void subscriber::on_state(std::function<void(bool subscribed)> handler) {
  state_->state_handler = std::move(handler);
}

}  // namespace msgapp::redis
