// Child processes for the msgclient tests: posix_spawn, three pipes, poll with deadlines.
#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

extern char** environ;

namespace msgapp::test {
namespace {

[[noreturn]] void fail(const char* what, int err = errno) {
  throw std::system_error(err, std::generic_category(), what);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

child_process::child_process(const std::string& path, const std::vector<std::string>& args,
                             const std::string& cwd, child_stderr stderr_to) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    fail("pipe2");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);  // dup2 clears O_CLOEXEC
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, stderr_to == child_stderr::separate ? err[1] : out[1],
                                   2);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());  // glibc 2.29

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> argv_text{path};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  const int rc = ::posix_spawn(&pid_, path.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  in_ = in[1];
  out_.fd = out[0];
  err_.fd = err[0];
  if (rc != 0) {
    close_fd(in_);
    close_fd(out_.fd);
    close_fd(err_.fd);
    pid_ = -1;
    fail("posix_spawn", rc);
  }
}

child_process::~child_process() {
  close_fd(in_);
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
  }
  close_fd(out_.fd);
  close_fd(err_.fd);
}

void child_process::write(std::string_view bytes) {
  // A child that exited early makes the pipe break: that is a test failure seen elsewhere, not
  // a SIGPIPE that kills the test binary.
  static const bool sigpipe_ignored = (::signal(SIGPIPE, SIG_IGN), true);
  (void)sigpipe_ignored;
  while (!bytes.empty() && in_ >= 0) {
    const ssize_t n = ::write(in_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void child_process::close_stdin() {
  close_fd(in_);
}

bool child_process::pump(std::chrono::milliseconds max_wait) {
  pollfd fds[2];
  pipe_in* pipes[2];
  nfds_t n = 0;
  for (pipe_in* p : {&out_, &err_}) {
    if (p->fd < 0) continue;
    fds[n] = {p->fd, POLLIN, 0};
    pipes[n++] = p;
  }
  if (n == 0) return false;
  const int ready = ::poll(fds, n, static_cast<int>(std::max<long long>(0, max_wait.count())));
  if (ready < 0 && errno != EINTR) fail("poll");
  for (nfds_t i = 0; ready > 0 && i < n; ++i) {
    if (fds[i].revents == 0) continue;
    char buf[4096];
    const ssize_t got = ::read(pipes[i]->fd, buf, sizeof buf);
    if (got > 0) {
      pipes[i]->text.append(buf, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      close_fd(pipes[i]->fd);
    }
  }
  return true;
}

std::optional<std::string> child_process::next_line_of(pipe_in& p,
                                                       std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    const auto nl = p.text.find('\n', p.taken);
    if (nl != std::string::npos) {
      std::string line = p.text.substr(p.taken, nl - p.taken);
      p.taken = nl + 1;
      return line;
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    if (p.fd < 0 || left.count() <= 0) return std::nullopt;
    pump(left);
  }
}

std::optional<std::string> child_process::expect_in(pipe_in& p, std::string_view needle,
                                                    std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    auto line = next_line_of(p, std::max(left, std::chrono::milliseconds(0)));
    if (!line) return std::nullopt;
    if (line->find(needle) != std::string::npos) return line;
  }
}

std::optional<std::string> child_process::next_line(std::chrono::milliseconds timeout) {
  return next_line_of(out_, timeout);
}

std::optional<std::string> child_process::expect(std::string_view needle,
                                                 std::chrono::milliseconds timeout) {
  return expect_in(out_, needle, timeout);
}

std::optional<std::string> child_process::expect_err(std::string_view needle,
                                                     std::chrono::milliseconds timeout) {
  return expect_in(err_, needle, timeout);
}

bool child_process::signal(int sig) {
  if (pid_ <= 0 || reaped_) return false;
  return ::kill(pid_, sig) == 0;
}

bool child_process::try_reap() {
  if (reaped_) return true;
  const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) reaped_ = true;
  if (r < 0 && errno != EINTR) fail("waitpid");
  return reaped_;
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  using namespace std::chrono_literals;
  const auto deadline = clock::now() + timeout;
  for (;;) {
    const bool ended = try_reap();
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    if (ended && out_.fd < 0 && err_.fd < 0) break;
    if (left.count() <= 0) return std::nullopt;
    // Until the child is reaped, wake up often to check on it; afterwards only output remains.
    const auto step = ended ? left : std::min<std::chrono::milliseconds>(left, 5ms);
    if (!pump(step)) ::poll(nullptr, 0, static_cast<int>(step.count()));
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return std::nullopt;
}

}  // namespace msgapp::test
