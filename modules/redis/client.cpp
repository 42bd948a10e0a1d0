// The command client: pipelined commands matched to replies in order, a deadline on the
// oldest, and a bound on how many are in flight.
#include "msgapp/redis/client.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <optional>

#include <fmt/format.h>

#include "connection.hpp"
#include "reply_copy.hpp"

namespace msgapp::redis {
namespace detail {

class client_state final : public connection {
 public:
  using connection::connection;

  void command(std::vector<std::string> args, std::function<void(result)> done) {
    if (auto refused = refusal(args)) return fail_soon(std::move(done), std::move(*refused));
    if (!up()) {
      return fail_soon(std::move(done), "not connected to redis at " + to_string(where_));
    }
    if (pending_.size() >= opts_.max_pending) {
      return fail_soon(std::move(done), fmt::format("too many pending redis commands (limit {})",
                                                    opts_.max_pending));
    }
    if (!send(args)) return fail_soon(std::move(done), "connection to redis lost");
    pending_.push_back({std::move(done), clock::now() + opts_.command_timeout});
    watch();
  }

  std::function<void(bool)> state_handler;

 private:
  using clock = std::chrono::steady_clock;
  struct pending {
    std::function<void(result)> done;
    clock::time_point deadline;
  };

  void on_up() override {
    if (state_handler) state_handler(true);
  }

  void on_down(const std::string& why) override {
    // Moved out first: a `done` may send again (and fail at once) or drop the client.
    auto failed = std::move(pending_);
    pending_.clear();
    for (auto& p : failed) {
      if (closed()) return;
      p.done(tl::unexpected(why));
    }
    if (!closed() && state_handler) state_handler(false);
  }

  void on_link_reply(const redisReply& r) override {
    if (pending_.empty()) return;
    auto done = std::move(pending_.front().done);
    pending_.pop_front();
    done(copy_reply(r));
  }

  // Commands whose replies do not come one per command would put every later reply on the
  // wrong callback (and hiredis 0.14 into its pub/sub mode): they are the subscriber's.
  static std::optional<std::string> refusal(const std::vector<std::string>& args) {
    if (args.empty()) return "empty redis command";
    std::string name = args.front();
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    for (const char* streaming : {"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE",
                                  "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR"}) {
      if (name == streaming) {
        return fmt::format("{} is not a command for redis::client (use redis::subscriber)", name);
      }
    }
    return std::nullopt;
  }

  void fail_soon(std::function<void(result)> done, std::string why) {
    net::post(ex_, [weak = weak_self(this), done = std::move(done), why = std::move(why)] {
      const auto self = weak.lock();
      if (self && !self->closed()) done(tl::unexpected(why));
    });
  }

  // One timer for the oldest command's deadline, re-armed lazily when it fires early.
  void watch() {
    if (watching_ || pending_.empty()) return;
    watching_ = true;
    watchdog_.expires_at(pending_.front().deadline);
    watchdog_.async_wait([weak = weak_self(this)](std::error_code) {
      const auto self = weak.lock();
      if (!self) return;
      self->watching_ = false;
      if (self->closed() || self->pending_.empty()) return;
      if (clock::now() < self->pending_.front().deadline) return self->watch();
      self->drop(fmt::format("timed out: no reply from redis at {} within {} ms",
                             to_string(self->where_), self->opts_.command_timeout.count()));
    });
  }

  std::deque<pending> pending_;  // at most opts_.max_pending
  net::steady_timer watchdog_{ex_};
  bool watching_ = false;
};

}  // namespace detail

client::client(net::any_io_executor ex, endpoint where, client_options opts)
    : state_(std::make_shared<detail::client_state>(std::move(ex), std::move(where), opts)) {}

client::~client() {
  state_->close();
}

void client::start() {
  state_->start();
}

void client::command(std::vector<std::string> args, std::function<void(result)> done) {
  state_->command(std::move(args), std::move(done));
}

awaitable<result> client::async_command(std::vector<std::string> args) {
  auto initiate = [this](auto handler, std::vector<std::string> a) {
    // std::function needs a copyable target; the coroutine's handler is move-only.
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    command(std::move(a), [shared](result r) { std::move (*shared)(std::move(r)); });
  };
  co_return co_await net::async_initiate<const net::use_awaitable_t<>&, void(result)>(
      std::move(initiate), net::use_awaitable, std::move(args));
}

bool client::connected() const {
  return state_->up();
}

void client::on_state(std::function<void(bool connected)> handler) {
  state_->state_handler = std::move(handler);
}

}  // namespace msgapp::redis
