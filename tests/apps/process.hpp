// Test helper: a child process with piped output, deadline reads and waits, killed on scope exit.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace msgapp::test {

class process {
 public:
  enum class stream { out, err };

  // Starts `path` with `args` (not including argv[0]); stdin is /dev/null, the signal mask is
  // empty and SIGINT, SIGTERM, SIGPIPE are at their defaults. Throws std::system_error.
  process(const std::string& path, const std::vector<std::string>& args);
  ~process();  // kills (SIGKILL) and reaps a child still running, closes the pipes
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  pid_t pid() const { return pid_; }

  // The next whole line (without '\n') of a stream, or nullopt at end of file or deadline.
  std::optional<std::string> read_line(stream s, std::chrono::milliseconds timeout);

  // Everything the stream has produced so far, including lines already returned.
  const std::string& output(stream s) const { return s == stream::out ? out_.text : err_.text; }

  // Sends a signal; false if the child has already been reaped.
  bool signal(int sig);

  // Waits for the child to end and then for both streams to reach end of file. Returns the
  // exit status, or 128 + N if signal N killed it (as a shell does); nullopt if the deadline
  // passes first. Output keeps being collected while waiting, so a chatty child cannot block.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  struct pipe_in {
    int fd = -1;
    std::string text;
    std::size_t taken = 0;  // bytes of `text` already returned by read_line
  };
  using clock = std::chrono::steady_clock;

  pipe_in& pipe_of(stream s) { return s == stream::out ? out_ : err_; }
  // Waits up to `max_wait` for output and appends what arrives; false if both pipes are closed.
  bool pump(std::chrono::milliseconds max_wait);
  bool try_reap();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  pipe_in out_, err_;
};

}  // namespace msgapp::test
