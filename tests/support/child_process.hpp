// Test helper: runs a program with its stdin, stdout and stderr on pipes, so a test can type
// into it and wait (with deadlines) for the lines it prints. The destructor kills and reaps it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace msgapp::test {

// Where the child's stderr goes: its own pipe (err()), or the stdout pipe, so its lines
// interleave with stdout's in the order written, as on a terminal (err() stays empty).
enum class child_stderr { separate, with_stdout };

class child_process {
 public:
  // Starts `path` with `args` (argv[0] not included), with default signal handling, in the
  // directory `cwd` (empty: this process's). Throws std::system_error.
  child_process(const std::string& path, const std::vector<std::string>& args,
                const std::string& cwd = {}, child_stderr stderr_to = child_stderr::separate);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // Writes to the child's stdin; type("x") sends "x\n".
  void write(std::string_view bytes);
  void type(std::string_view line) { write(std::string(line) + "\n"); }
  void close_stdin();

  // The next stdout line (after the last one expect() returned) that contains `needle`; lines
  // in between are passed over. Nothing at the deadline or at end of output.
  std::optional<std::string> expect(std::string_view needle,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next stdout line, whatever it is.
  std::optional<std::string> next_line(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // expect() for stderr, with a position of its own.
  std::optional<std::string> expect_err(
      std::string_view needle, std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Everything printed so far.
  const std::string& out() const { return out_.text; }
  const std::string& err() const { return err_.text; }

  bool signal(int sig);
  // Waits for the child to exit and its output to end: the exit status, or 128 + N after
  // signal N; nothing if the deadline passes.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  struct pipe_in {
    int fd = -1;
    std::string text;
    std::size_t taken = 0;  // bytes of text already returned as lines
  };
  using clock = std::chrono::steady_clock;

  bool pump(std::chrono::milliseconds max_wait);  // false once both pipes are closed
  std::optional<std::string> next_line_of(pipe_in& p, std::chrono::milliseconds timeout);
  std::optional<std::string> expect_in(pipe_in& p, std::string_view needle,
                                       std::chrono::milliseconds timeout);
  bool try_reap();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  int in_ = -1;
  pipe_in out_, err_;
};

}  // namespace msgapp::test
