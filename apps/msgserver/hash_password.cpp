// hash-password: a password read without echo (twice on a terminal, once from a pipe), hashed
// with Argon2id at libsodium's interactive limits, printed as the line to add.
#include "hash_password.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <sodium.h>

#include <msgapp/cli/command_line.hpp>
#include <msgapp/protocol/limits.hpp>
#include <msgapp/protocol/text_rules.hpp>

namespace msgapp::apps {
namespace {

constexpr cli::program command{"msgserver hash-password", "usage: msgserver hash-password [USER]"};

// Echo off on a terminal for as long as it lives.
class no_echo {
 public:
  explicit no_echo(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the Enter still moves to a new line
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~no_echo() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  no_echo(const no_echo&) = delete;
  no_echo& operator=(const no_echo&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

// One line from stdin, without its line end; nothing at end of input.
std::optional<std::string> read_line() {
  std::string line;
  if (!std::getline(std::cin, line)) {
    if (line.empty()) return std::nullopt;  // a last line without '\n' still counts
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> prompt(const char* text) {
  const no_echo quiet(STDIN_FILENO);  // before the prompt: nothing typed after it is shown
  std::fputs(text, stderr);
  std::fflush(stderr);
  return read_line();
}

// The password: asked twice on a terminal (a typo would lock the user out), once from a pipe.
std::optional<std::string> read_password() {
  if (::isatty(STDIN_FILENO) == 0) return read_line();
  auto first = prompt("Password: ");
  if (!first) return std::nullopt;
  auto again = prompt("Again: ");
  if (!again) return std::nullopt;
  if (*first != *again) {
    std::fputs("msgserver hash-password: the two passwords differ; nothing was made\n", stderr);
    sodium_memzero(first->data(), first->size());
    sodium_memzero(again->data(), again->size());
    return std::nullopt;
  }
  sodium_memzero(again->data(), again->size());
  return first;
}

}  // namespace

int hash_password(int argc, char** argv) {
  std::string user;
  CLI::App app{
      "msgserver hash-password: reads a password (without echo, twice, on a terminal; one line\n"
      "from a pipe) and prints the line to add to credentials.txt, with an Argon2id hash."};
  app.add_option("user", user, "the user name that goes first on the printed line");
  if (const auto status = cli::parse(app, argc - 1, argv + 1, command)) return *status;
  const protocol::limits lim;
  if (!user.empty() && !protocol::is_valid_name(user, lim)) {
    return cli::usage_error(
        command, fmt::format("a user name is 1 to {} of A-Z a-z 0-9 _ . -", lim.max_name));
  }
  if (sodium_init() < 0) {
    std::fputs("msgserver hash-password: libsodium could not be initialised\n", stderr);
    return 1;
  }

  auto password = read_password();
  if (!password) {
    std::fputs("msgserver hash-password: no password was read\n", stderr);
    return 1;
  }
  if (!protocol::is_valid_password(*password, lim)) {
    sodium_memzero(password->data(), password->size());
    std::cerr << fmt::format(
        "msgserver hash-password: a password is 1 to {} bytes, with no spaces or control "
        "characters\n",
        lim.max_password);
    return 1;
  }
  char hash[crypto_pwhash_STRBYTES];
  const int made = crypto_pwhash_str_alg(
      hash, password->data(), password->size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
      crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
  sodium_memzero(password->data(), password->size());
  if (made != 0) {
    std::fputs("msgserver hash-password: out of memory while hashing\n", stderr);
    return 1;
  }
  // stdout carries only the line (or the hash), so `>> credentials.txt` works as it is.
  if (user.empty()) {
    std::fputs("Add this line to credentials.txt, with the user's name before the hash:\n", stderr);
    fmt::print("{}\n", hash);
  } else {
    std::fputs("Add this line to credentials.txt:\n", stderr);
    fmt::print("{} {}\n", user, hash);
  }
  return 0;
}

}  // namespace msgapp::apps
