// Test support: a program on a pseudo-terminal (forkpty), so a test sees exactly the bytes a
// terminal would get from it, and types at it like a user; every wait has a deadline.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

extern char** environ;

namespace msgapp::test {

class pty_process {
 public:
  using clock = std::chrono::steady_clock;

  // Starts `path` with `args` and the environment of this process but TERM=`term`, with the
  // pseudo-terminal as its controlling terminal, stdin, stdout and stderr.
  pty_process(const std::string& path, const std::vector<std::string>& args,
              const std::string& term) {
    // Everything the child needs is made before fork: a threaded parent's child may call only
    // async-signal-safe functions before exec.
    std::vector<std::string> argv_text{path};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<std::string> env_text{"TERM=" + term};
    for (char** e = environ; *e != nullptr; ++e)
      if (std::string_view(*e).rfind("TERM=", 0) != 0) env_text.emplace_back(*e);
    std::vector<char*> argv, envp;
    for (auto& a : argv_text)
      argv.push_back(a.data());
    for (auto& e : env_text)
      envp.push_back(e.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);

    winsize size{};
    size.ws_row = 24;
    size.ws_col = 200;  // wide, so no line of the test wraps
    int master = -1;
    pid_ = ::forkpty(&master, nullptr, nullptr, &size);
    if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "forkpty");
    if (pid_ == 0) {
      for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP})
        ::signal(sig, SIG_DFL);
      ::execve(path.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    master_ = master;
    ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
  }

  ~pty_process() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
      }
    }
    if (master_ >= 0) ::close(master_);
  }
  pty_process(const pty_process&) = delete;
  pty_process& operator=(const pty_process&) = delete;

  // Types a line and presses Enter.
  void type(std::string_view line) {
    std::string keys(line);
    keys += '\r';
    press(keys);
  }

  // Presses these keys, as they are (no Enter unless they hold a '\r').
  void press(std::string_view keys) {
    std::string_view left = keys;
    while (!left.empty()) {
      const ssize_t n = ::write(master_, left.data(), left.size());
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        pump(std::chrono::milliseconds(5));
        continue;
      }
      if (n < 0) return;  // the terminal is gone: what was shown tells the test why
      left.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Waits until the terminal shows `text` after the first `from` bytes.
  bool shows(std::string_view text, std::size_t from = 0,
             std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
      if (screen_.size() >= from && screen_.find(text, from) != std::string::npos) return true;
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
      if (left.count() <= 0 || !pump(left)) return false;
    }
  }

  // Waits for the program to exit (its output read to the end): its exit status.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = clock::now() + timeout;
    while (!reaped_) {
      const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
      if (r == pid_) reaped_ = true;
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
      if (!reaped_ && left.count() <= 0) return std::nullopt;
      if (!reaped_ &&
          !pump(std::min<std::chrono::milliseconds>(left, std::chrono::milliseconds(5))))
        ::poll(nullptr, 0, 5);
    }
    while (pump(std::chrono::milliseconds(0))) {
    }
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    return 128 + WTERMSIG(status_);
  }

  // Everything the terminal has shown so far.
  const std::string& screen() const { return screen_; }

 private:
  // Reads what is there, waiting up to max_wait for some; false once the terminal is closed
  // (Linux says EIO when the last program on it has gone) or nothing came.
  bool pump(std::chrono::milliseconds max_wait) {
    if (master_ < 0) return false;
    pollfd p{master_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(max_wait.count())) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::read(master_, chunk, sizeof chunk);
    if (n > 0) {
      screen_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    ::close(master_);
    master_ = -1;
    return false;
  }

  pid_t pid_ = -1;
  int master_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string screen_;
};

}  // namespace msgapp::test
