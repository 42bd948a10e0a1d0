// Dialling and redialling one Redis connection, with the dial's time-out.
#include "connection.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace msgapp::redis::detail {

connection::connection(net::any_io_executor ex, endpoint where, client_options opts)
    : ex_(std::move(ex)), where_(std::move(where)), opts_(opts), timer_(ex_) {}

connection::~connection() {
  close();
}

void connection::start() {
  if (started_ || closed_) return;
  started_ = true;
  dial();
}

void connection::close() {
  closed_ = true;
  up_ = false;
  timer_.cancel();
  if (link_) {
    link_->close();
    link_.reset();
  }
}

bool connection::send(const std::vector<std::string>& args) {
  return up_ && link_ && link_->send(args);
}

void connection::dial() {
  if (closed_) return;
  const unsigned attempt = ++attempt_;
  auto opened = link::open(ex_, where_, weak_from_this());
  if (!opened) {
    went_down("cannot connect: " + opened.error());
    return;
  }
  link_ = std::move(*opened);
  timer_.expires_after(opts_.connect_timeout);
  timer_.async_wait([weak = weak_from_this(), attempt](std::error_code ec) {
    const auto self = weak.lock();
    if (ec || !self || self->closed_ || self->attempt_ != attempt || self->up_) return;
    self->went_down(
        fmt::format("cannot connect: no answer within {} ms", self->opts_.connect_timeout.count()));
  });
}

void connection::redial_later() {
  if (closed_) return;
  const unsigned attempt = ++attempt_;
  timer_.expires_after(opts_.reconnect_delay);
  timer_.async_wait([weak = weak_from_this(), attempt](std::error_code ec) {
    const auto self = weak.lock();
    if (ec || !self || self->closed_ || self->attempt_ != attempt) return;
    self->dial();
  });
}

void connection::on_link_connected() {
  if (closed_) return;
  up_ = true;
  ++attempt_;  // the dial's deadline is stale now
  timer_.cancel();
  if (dial_failing_) spdlog::info("redis {}: connected again", to_string(where_));
  dial_failing_ = false;
  on_up();
}

void connection::on_link_lost(std::string why) {
  went_down("connection lost: " + why);
}

void connection::drop(std::string why) {
  went_down(std::move(why));
}

void connection::went_down(std::string why) {
  if (link_) {
    link_->close();
    link_.reset();
  }
  const bool was_up = std::exchange(up_, false);
  if (was_up) {
    spdlog::warn("redis {}: {}", to_string(where_), why);
    on_down(why);  // may close this connection (its owner went)
  } else if (!std::exchange(dial_failing_, true)) {
    spdlog::warn("redis {}: {} (retrying every {} ms)", to_string(where_), why,
                 opts_.reconnect_delay.count());
  }
  if (was_up) dial_failing_ = true;
  redial_later();
}

}  // namespace msgapp::redis::detail
