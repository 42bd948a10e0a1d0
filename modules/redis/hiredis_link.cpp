// The hiredis/Asio glue: hiredis's event hooks become waits on its socket, its frees become
// a released descriptor, and its callbacks reach the owner without re-entering hiredis.
#include "hiredis_link.hpp"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <ctime>
#include <exception>

#include <spdlog/spdlog.h>

namespace msgapp::redis::detail {
namespace {

// hiredis 0.14 writes with plain write(), so a peer that has gone raises SIGPIPE, whose default
// action (msgserver keeps it) ends the process. The signal is blocked on this thread around
// hiredis's writes, and one raised there is taken before unblocking (libpq does the same).
class sigpipe_guard {
 public:
  sigpipe_guard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    already_pending_ = pending();
  }
  ~sigpipe_guard() {
    if (!already_pending_ && pending()) {
      const timespec now{};
      while (sigtimedwait(&pipe_, nullptr, &now) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

 private:
  static bool pending() {
    sigset_t set;
    sigemptyset(&set);
    return sigpending(&set) == 0 && sigismember(&set, SIGPIPE) == 1;
  }
  sigset_t pipe_;
  sigset_t old_;
  bool already_pending_ = false;
};

}  // namespace

tl::expected<std::shared_ptr<link>, std::string> link::open(net::any_io_executor ex,
                                                            const endpoint& where,
                                                            std::weak_ptr<link_owner> owner) {
  redisAsyncContext* ac = where.unix_path.empty()
                              ? redisAsyncConnect(where.host.c_str(), where.port)
                              : redisAsyncConnectUnix(where.unix_path.c_str());
  if (ac == nullptr) return tl::unexpected(std::string("out of memory"));
  if (ac->err != 0) {
    std::string why = ac->errstr;
    redisAsyncFree(ac);
    return tl::unexpected(std::move(why));
  }
  std::shared_ptr<link> self(new link(std::move(ex), ac, std::move(owner)));
  std::error_code ec;
  self->socket_.assign(ac->c.fd, ec);
  if (ec) {
    self->ac_ = nullptr;
    redisAsyncFree(ac);  // no hooks yet: hiredis just closes its socket
    return tl::unexpected(ec.message());
  }
  ac->data = self.get();
  ac->ev.data = self.get();
  ac->ev.addRead = &link::hook_add_read;
  ac->ev.delRead = &link::hook_del_read;
  ac->ev.addWrite = &link::hook_add_write;
  ac->ev.delWrite = &link::hook_del_write;
  ac->ev.cleanup = &link::hook_cleanup;
  // Also asks for the first write wake-up, which is how hiredis learns that it is connected.
  redisAsyncSetConnectCallback(ac, &link::on_connect);
  self->arm_read();  // a refused connect may show as readable (hang-up) first
  return self;
}

link::link(net::any_io_executor ex, redisAsyncContext* ac, std::weak_ptr<link_owner> owner)
    : ex_(std::move(ex)), ac_(ac), socket_(ex_), owner_(std::move(owner)) {}

link::~link() {
  close();
}

bool link::send(const std::vector<std::string>& args) {
  if (ac_ == nullptr || closing_) return false;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  return redisAsyncCommandArgv(ac_, &link::on_reply, this, static_cast<int>(args.size()),
                               argv.data(), lengths.data()) == REDIS_OK;
}

void link::close() {
  owner_.reset();
  if (ac_ == nullptr || closing_) return;
  closing_ = true;
  // Calls the pending callbacks with no reply (on_reply drops them: no owner) and then
  // hook_cleanup. Inside a reply callback hiredis defers this until the callback returns.
  redisAsyncFree(ac_);
}

bool link::connected() const {
  return ac_ != nullptr && (ac_->c.flags & REDIS_CONNECTED) != 0;
}

void link::arm_read() {
  if (ac_ == nullptr || read_armed_) return;
  read_armed_ = true;
  socket_.async_wait(net::posix::descriptor_base::wait_read,
                     [self = shared_from_this()](std::error_code ec) {
                       self->read_armed_ = false;
                       if (!ec) self->handle_read();
                     });
}

void link::handle_read() {
  if (ac_ == nullptr || closing_) return;
  redisAsyncHandleRead(ac_);  // may free the context (a loss, or a callback that closed us)
  if (ac_ == nullptr || closing_) return;
  // hiredis reads at most 16 KiB per call, and the reactor is edge-triggered: bytes already
  // in the socket would never wake another wait. Take them on the next turn instead.
  net::posix::stream_descriptor::bytes_readable readable;
  std::error_code ec;
  socket_.io_control(readable, ec);
  if (!ec && readable.get() > 0) {
    read_armed_ = true;
    net::post(ex_, [self = shared_from_this()] {
      self->read_armed_ = false;
      self->handle_read();
    });
    return;
  }
  arm_read();
}

void link::want_write() {
  write_wanted_ = true;
  if (write_armed_ || in_write_) return;     // handle_write looks again when it returns
  if (!connected()) return wait_writable();  // writable then means connected (or failed)
  // A connected socket is almost always writable, and an edge-triggered wait would not wake
  // for a state that has not changed: just try on the next turn.
  write_armed_ = true;
  net::post(ex_, [self = shared_from_this()] {
    self->write_armed_ = false;
    self->handle_write();
  });
}

void link::wait_writable() {
  write_armed_ = true;
  socket_.async_wait(net::posix::descriptor_base::wait_write,
                     [self = shared_from_this()](std::error_code ec) {
                       self->write_armed_ = false;
                       if (!ec) self->handle_write();
                     });
}

void link::handle_write() {
  if (ac_ == nullptr || closing_ || !write_wanted_) return;
  in_write_ = true;
  {
    const sigpipe_guard no_sigpipe;
    redisAsyncHandleWrite(ac_);  // may free the context (a write error)
  }
  in_write_ = false;
  // Still wanted: the socket's buffer is full (or the connect is still in progress), so a
  // real wait for room is what comes next.
  if (ac_ != nullptr && !closing_ && write_wanted_ && !write_armed_) wait_writable();
}

void link::hook_add_read(void* self) {
  static_cast<link*>(self)->arm_read();
}

void link::hook_del_read(void*) {}  // hiredis 0.14 stops reading only when it frees the context

void link::hook_add_write(void* self) {
  static_cast<link*>(self)->want_write();
}

void link::hook_del_write(void* self) {
  static_cast<link*>(self)->write_wanted_ = false;
}

void link::hook_cleanup(void* raw) {
  auto* self = static_cast<link*>(raw);
  std::string why = self->ac_->err != 0 ? self->ac_->errstr : "connection closed";
  self->ac_ = nullptr;
  self->socket_.release();  // hiredis closes the socket; pending waits end as aborted
  if (self->owner_.expired()) return;
  if (auto shared = self->weak_from_this().lock()) {
    net::post(self->ex_, [shared, why = std::move(why)]() mutable {
      if (auto owner = shared->owner_.lock()) owner->on_link_lost(std::move(why));
    });
  }
}

void link::on_connect(const redisAsyncContext* ac, int status) {
  if (status != REDIS_OK) return;  // hook_cleanup follows and reports the loss
  auto* self = static_cast<link*>(ac->data);
  net::post(self->ex_, [shared = self->shared_from_this()] {
    if (!shared->connected() || shared->closing_) return;
    if (auto owner = shared->owner_.lock()) owner->on_link_connected();
  });
}

void link::on_reply(redisAsyncContext*, void* reply, void* raw) {
  if (reply == nullptr) return;  // the context is going: the owner hears of it as a loss
  auto* self = static_cast<link*>(raw);
  // A local strong reference: the owner may close this link or drop itself in there.
  const auto owner = self->owner_.lock();
  if (!owner) return;
  try {
    owner->on_link_reply(*static_cast<redisReply*>(reply));
  } catch (const std::exception& e) {
    // Must not unwind through hiredis's C frames; a throwing handler is a bug, so it is loud.
    spdlog::error("bug: a redis reply handler threw: {}", e.what());
  }
}

}  // namespace msgapp::redis::detail
