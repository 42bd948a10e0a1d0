// The state file of shown messages on a real file system: where it lives, what survives a
// reopen, two clients writing at once, damaged lines, the bound, and a directory that fails.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include <msgapp/client/shown_messages.hpp>

#include "../support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using msgapp::client::max_shown_keys;
using msgapp::client::shown_key;
using msgapp::client::shown_messages;

using msgapp::test::temp_dir;

// Sets (or, with nothing, unsets) an environment variable for one scope.
class env_var {
 public:
  env_var(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~env_var() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  env_var(const env_var&) = delete;
  env_var& operator=(const env_var&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

shown_messages reopened(const fs::path& dir) {
  shown_messages shown(dir);
  REQUIRE(shown.load());
  return shown;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("shown messages: the default directory comes from XDG_STATE_HOME, else HOME") {
  {
    env_var state("XDG_STATE_HOME", "/somewhere/state");
    env_var home("HOME", "/home/bob");
    const auto dir = msgapp::client::default_state_dir();
    REQUIRE(dir);
    CHECK(*dir == fs::path("/somewhere/state/msgapp"));
  }
  temp_dir bob_home;
  for (const auto& unset : {std::optional<std::string>(), std::optional<std::string>("")}) {
    env_var state("XDG_STATE_HOME", unset);
    env_var home("HOME", bob_home.path().string());
    const auto dir = msgapp::client::default_state_dir();
    REQUIRE(dir);
    CHECK(*dir == bob_home.path() / ".local/state/msgapp");
  }
  env_var state("XDG_STATE_HOME", std::nullopt);
  {
    env_var home("HOME", (bob_home.path() / "gone").string());  // not created for it
    CHECK_FALSE(msgapp::client::default_state_dir());
  }
  env_var home("HOME", std::nullopt);
  CHECK_FALSE(msgapp::client::default_state_dir());
}

TEST_CASE("shown messages: what is recorded is there after a reopen, per database and user") {
  temp_dir tmp;
  const auto dir = tmp.path() / "state" / "msgapp";  // neither exists yet
  const shown_key bob{"db-1", "bob"};
  {
    shown_messages shown(dir);
    REQUIRE(shown.load());  // nothing there yet: an empty table
    CHECK(shown.highest(bob) == 0);
    REQUIRE(shown.record(bob, 5));
    REQUIRE(shown.record(bob, 3));  // lower than what was shown: the highest stays
    REQUIRE(shown.record({"db-2", "bob"}, 9));
    REQUIRE(shown.sync());
    CHECK(shown.highest(bob) == 5);
  }
  CHECK(mode_of(tmp.path() / "state") == 0700);
  CHECK(mode_of(dir) == 0700);
  CHECK(mode_of(dir / "shown") == 0600);
  const auto again = reopened(dir);
  CHECK(again.highest(bob) == 5);
  CHECK(again.highest({"db-2", "bob"}) == 9);
  CHECK(again.highest({"db-1", "alice"}) == 0);  // same database, another user
  CHECK(again.highest({"db-3", "bob"}) == 0);    // same user, another database
  CHECK_FALSE(fs::exists(dir / "shown.tmp"));    // renamed over the file
}

TEST_CASE("shown messages: two clients writing at once keep each other's keys, and the max") {
  temp_dir tmp;
  constexpr int rounds = 200;
  const shown_key shared{"db-1", "carol"};
  // Each client loads before the other has written anything, so only the merge on disk can
  // keep the other's lines.
  auto client = [&](std::string user, std::uint64_t parity) {
    shown_messages shown(tmp.path());
    REQUIRE(shown.load());
    for (int i = 1; i <= rounds; ++i) {
      const auto id = static_cast<std::uint64_t>(2 * i) - parity;
      REQUIRE(shown.record({"db-1", user}, id));
      REQUIRE(shown.record(shared, id));
    }
  };
  std::thread first(client, "alice", 1);  // odd ids, up to 2 * rounds - 1
  std::thread second(client, "bob", 0);   // even ids, up to 2 * rounds
  first.join();
  second.join();
  const auto after = reopened(tmp.path());
  CHECK(after.highest({"db-1", "alice"}) == 2 * rounds - 1);
  CHECK(after.highest({"db-1", "bob"}) == 2 * rounds);
  CHECK(after.highest(shared) == 2 * rounds);
}

TEST_CASE("shown messages: damaged lines are skipped, and dropped at the next write") {
  temp_dir tmp;
  {
    std::ofstream out(tmp.path() / "shown");
    out << "db-1 bob 7 1\n"
        << "garbage\n"
        << "db-1 alice seven 2\n"                  // not a number
        << "db-1 carol 5 3 extra\n"                // a word too many
        << "db-1  dave 5 3\n"                      // an empty word
        << "\n"                                    // an empty line
        << std::string(5000, 'x') << " eve 1 1\n"  // far too long
        << "db-1 frank 4 4\n"
        << "db-1 grace 9";  // cut off: no line end
  }
  const auto damaged = reopened(tmp.path());
  CHECK(damaged.highest({"db-1", "bob"}) == 7);
  CHECK(damaged.highest({"db-1", "frank"}) == 4);
  CHECK(damaged.highest({"db-1", "alice"}) == 0);
  CHECK(damaged.highest({"db-1", "carol"}) == 0);
  CHECK(damaged.highest({"db-1", "grace"}) == 0);

  auto writer = reopened(tmp.path());
  REQUIRE(writer.record({"db-1", "heidi"}, 1));
  std::ifstream in(tmp.path() / "shown");
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    ++lines;
    CHECK(line.find("garbage") == std::string::npos);
  }
  CHECK(lines == 3);  // bob, frank, heidi
}

TEST_CASE("shown messages: at most max_shown_keys keys; the least recently updated go") {
  temp_dir tmp;
  shown_messages shown(tmp.path());
  REQUIRE(shown.load());
  const auto key = [](std::size_t i) { return shown_key{"db-" + std::to_string(i), "bob"}; };
  for (std::size_t i = 0; i < max_shown_keys; ++i)
    REQUIRE(shown.record(key(i), i + 1));
  REQUIRE(shown.record(key(0), 100));  // updated again: now the most recent
  constexpr std::size_t extra = 5;
  for (std::size_t i = max_shown_keys; i < max_shown_keys + extra; ++i)
    REQUIRE(shown.record(key(i), i + 1));

  const auto after = reopened(tmp.path());
  CHECK(after.highest(key(0)) == 100);
  for (std::size_t i = 1; i <= extra; ++i)
    CHECK(after.highest(key(i)) == 0);  // the oldest updates, dropped
  CHECK(after.highest(key(extra + 1)) == extra + 2);
  CHECK(after.highest(key(max_shown_keys + extra - 1)) == max_shown_keys + extra);
  std::ifstream in(tmp.path() / "shown");
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line);)
    ++lines;
  CHECK(lines == max_shown_keys);
}

TEST_CASE("shown messages: a directory that cannot be made is an error value; memory goes on") {
  temp_dir tmp;
  std::ofstream(tmp.path() / "not-a-dir") << "a file\n";
  shown_messages shown(tmp.path() / "not-a-dir" / "msgapp");
  CHECK_FALSE(shown.load());  // a path that cannot be a directory
  const shown_key bob{"db-1", "bob"};
  CHECK_FALSE(shown.record(bob, 4));
  CHECK(shown.highest(bob) == 4);  // still known for the rest of this run
  CHECK_FALSE(shown.sync());       // nor flushed

  shown_messages odd(tmp.path());
  CHECK_FALSE(odd.record({"db 1", "bob"}, 1));  // a word with a space cannot be a key
  CHECK_FALSE(odd.record({"db-1", ""}, 1));
}
