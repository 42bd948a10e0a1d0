// hub_state with its store: replies that wait for a commit, their order, failed commits,
// offline queues in pages, receipts and confirmations, quotas, and what survives a restart.
// The store is a real SQLite database in memory; the test decides when it answers.
#include <regex>

#include "hub_fixture.hpp"

using namespace msgapp::test;
namespace store = msgapp::store;

namespace {

// The lines after the first `skip` (e.g. after the welcome), without their '\n'.
std::vector<std::string> lines_after(const fake_sink& s, std::size_t skip) {
  std::vector<std::string> out;
  for (std::size_t i = skip; i < s.lines.size(); ++i)
    out.push_back(s.lines[i].substr(0, s.lines[i].size() - 1));
  return out;
}

// Answers every batch handed over so far with the same failure, as a full disk would.
void fail_submitted(hub_fixture& f, std::chrono::milliseconds t) {
  std::vector<store::outcome> failed;
  for (const auto& b : std::exchange(f.submitted, {}))
    failed.push_back(store::outcome{b.ticket, tl::unexpected(std::string("disk full"))});
  f.state.committed(std::move(failed), at(t));
}

}  // namespace

TEST_CASE_METHOD(hub_fixture, "a reply that changes stored state waits for its commit, in order") {
  auto [a, pa] = login("alice");
  const auto before = pa->lines.size();
  state.command(a, cmd("message bob kept for later"), at(1s));  // bob is offline
  state.command(a, cmd("whoelse"), at(1s));                     // needs no commit
  CHECK(pa->lines.size() == before);  // the whoelse reply may not overtake the queued one
  REQUIRE(submitted.size() == 1);
  settle(at(1s));
  CHECK(lines_after(*pa, before) ==
        std::vector<std::string>{"ok queued for bob (offline)", "ok users"});
}

TEST_CASE_METHOD(hub_fixture, "lines to a client waiting for a commit follow its reply") {
  auto [a, pa] = login("alice");
  auto [b, pb] = login("bob");
  const auto before = pa->lines.size();
  state.command(a, cmd("block carol"), at(1s));
  state.command(b, cmd("message alice hi"), at(1s));
  CHECK(pb->last() == "ok delivered to alice");  // online delivery never waits for the store
  CHECK(pa->lines.size() == before);
  settle(at(1s));
  CHECK(lines_after(*pa, before) ==
        std::vector<std::string>{"ok blocked carol", "msg 2023-11-14T22:13:21Z bob hi"});
}

TEST_CASE_METHOD(hub_fixture, "a failed commit answers not-saved and changes nothing") {
  auto [a, pa] = login("alice");
  auto [c, pc] = login("carol");
  state.command(a, cmd("block carol"), at(1s));
  fail_submitted(*this, 1s);
  CHECK(pa->last() == "error not-saved the server could not save this; nothing was changed");
  hub.command(c, cmd("message alice still there?"), at(2s));
  CHECK(pc->last() == "ok delivered to alice");  // the block list went back

  // A failed queued message does not count against the recipient's quota of 3.
  state.command(a, cmd("message bob lost"), at(3s));
  fail_submitted(*this, 3s);
  CHECK(pa->last().rfind("error not-saved", 0) == 0);
  for (int i = 1; i <= 3; ++i) {
    hub.command(a, cmd("message bob kept " + std::to_string(i)), at(4s));
    CHECK(pa->last() == "ok queued for bob (offline)");
  }
  auto [b, pb] = login("bob", 5s);
  CHECK(lines_after(*pb, 1) == std::vector<std::string>{
                                   "offline 2023-11-14T22:13:24Z alice kept 1",
                                   "offline 2023-11-14T22:13:24Z alice kept 2",
                                   "offline 2023-11-14T22:13:24Z alice kept 3",
                               });
}

TEST_CASE_METHOD(hub_fixture, "a long queue arrives a page at a time, as the client reads") {
  cfg.page_messages = 2;
  restart(cfg, 0ms);
  auto [a, pa] = login("alice");
  for (int i = 1; i <= 3; ++i)
    hub.command(a, cmd("message bob note " + std::to_string(i)), at(1s));

  auto [b, pb] = connect(2s);
  REQUIRE(state.login(b, cmd("login bob b"), at(2s)) == "bob");
  CHECK(pb->lines.empty());  // the welcome waits for the first page
  auto batches = std::exchange(submitted, {});
  state.committed(db->apply(batches), at(2s));
  CHECK(lines_after(*pb, 0) == std::vector<std::string>{
                                   "ok welcome bob",
                                   "offline 2023-11-14T22:13:21Z alice note 1",
                                   "offline 2023-11-14T22:13:21Z alice note 2",
                               });
  REQUIRE(pb->when_written_calls.size() == 1);  // the next page once these are written
  settle(at(3s));
  CHECK(pb->lines.size() == 4);
  CHECK(pb->last() == "offline 2023-11-14T22:13:21Z alice note 3");
  hub.command(b, cmd("logout"), at(4s));
  auto [b2, pb2] = login("bob", 5s);  // without receipts, handed over means delivered
  CHECK(pb2->lines.size() == 1);
}

TEST_CASE_METHOD(hub_fixture, "with receipts, stored messages stay until confirmed") {
  auto [a, pa] = login("alice");
  hub.command(a, cmd("message bob one"), at(1s));
  hub.command(a, cmd("message bob two"), at(1s));

  auto log_in_with_receipts = [&](std::chrono::milliseconds t) {
    auto [b, pb] = connect(t);
    CHECK_FALSE(hub.login(b, cmd("receipts"), at(t)));
    CHECK(std::regex_match(pb->last(), std::regex("ok receipts [0-9a-f]{32}")));
    REQUIRE(hub.login(b, cmd("login bob b"), at(t)) == "bob");
    return std::pair{b, pb};
  };
  auto [b, pb] = log_in_with_receipts(2s);
  const auto first = lines_after(*pb, 2);
  REQUIRE(first.size() == 2);
  std::smatch m;
  REQUIRE(
      std::regex_match(first[0], m, std::regex("stored 2023-11-14T22:13:21Z alice ([0-9]+) one")));
  const auto id1 = std::stoull(m[1].str());
  REQUIRE(
      std::regex_match(first[1], m, std::regex("stored 2023-11-14T22:13:21Z alice ([0-9]+) two")));
  const auto id2 = std::stoull(m[1].str());
  CHECK(id2 > id1);

  hub.detach(b, "gone before confirming", at(3s));
  auto [b2, pb2] = log_in_with_receipts(4s);
  CHECK(lines_after(*pb2, 2) == first);  // the same messages with the same ids
  // A confirmation beyond what was sent deletes only what was sent.
  hub.command(a, cmd("whoelse"), at(4s));
  state.command(b2, cmd("confirm " + std::to_string(id1)), at(5s));
  CHECK(pb2->lines.size() == 4);  // the reply waits for the delete to commit
  settle(at(5s));
  CHECK(pb2->last() == "ok confirmed " + std::to_string(id1));
  hub.detach(b2, "gone", at(6s));

  auto [b3, pb3] = log_in_with_receipts(7s);
  REQUIRE(pb3->lines.size() == 3);
  CHECK(pb3->last() == first[1]);
  hub.command(b3, cmd("confirm 999999"), at(8s));
  CHECK(pb3->last() == "ok confirmed 999999");
  hub.detach(b3, "gone", at(9s));
  auto [b4, pb4] = log_in_with_receipts(10s);
  CHECK(pb4->lines.size() == 2);  // receipts, welcome: nothing left
}

TEST_CASE_METHOD(hub_fixture, "quotas per sender and for the whole store refuse new messages") {
  cfg.sender_messages = 2;
  cfg.store_bytes = 20;
  restart(cfg, 0ms);
  auto [a, pa] = login("alice");
  hub.command(a, cmd("message bob 0123456789"), at(1s));
  CHECK(pa->last() == "ok queued for bob (offline)");
  hub.command(a, cmd("message carol 0123456789x"), at(1s));  // 21 bytes in all: too much
  CHECK(pa->last() ==
        "error quota the server cannot store more offline messages now; the message was not "
        "queued");
  hub.command(a, cmd("message carol 012345678"), at(1s));
  CHECK(pa->last() == "ok queued for carol (offline)");
  hub.command(a, cmd("message dave x"), at(1s));
  CHECK(pa->last() ==
        "error quota you have 2 messages waiting for users who are offline, the most allowed; "
        "the message was not queued");

  auto [b, pb] = login("bob", 2s);  // delivered and deleted: alice's share shrinks
  CHECK(pb->lines.size() == 2);
  hub.command(a, cmd("message dave x"), at(3s));
  CHECK(pa->last() == "ok queued for dave (offline)");
}

TEST_CASE_METHOD(hub_fixture,
                 "a restart keeps queues, block lists, login blocks and who was seen") {
  auto [a, pa] = login("alice");
  auto [c, pc] = login("carol");
  hub.command(a, cmd("block carol"), at(1s));
  hub.command(a, cmd("message bob while you were away"), at(1s));
  hub.command(c, cmd("logout"), at(2s));
  auto [x, px] = connect(3s);
  for (int i = 0; i < 3; ++i)
    hub.login(x, cmd("login dave wrong"), at(3s));
  CHECK(px->saw("error login-blocked"));
  // alice is still online when the server dies.

  restart(cfg, 5s);
  auto [b, pb] = login("bob", 6s);
  CHECK(pb->lines.at(1) == "offline 2023-11-14T22:13:21Z alice while you were away\n");
  hub.command(b, cmd("whoelsesince 10"), at(6s));
  CHECK(pb->last() == "ok users alice carol");  // alice counts as seen until the restart
  hub.command(b, cmd("whoelse"), at(6s));
  CHECK(pb->last() == "ok users");  // and is offline after it
  auto [c2, pc2] = login("carol", 7s);
  hub.command(c2, cmd("message alice let me in"), at(7s));
  CHECK(pc2->last().rfind("error blocked", 0) == 0);
  auto [d, pd] = connect(8s);
  CHECK_FALSE(hub.login(d, cmd("login dave d"), at(8s)));  // blocked for 10 s from 3 s
  CHECK(pd->saw("error login-blocked dave is blocked"));
  auto [d2, pd2] = connect(14s);
  CHECK(hub.login(d2, cmd("login dave d"), at(14s)) == "dave");
}

TEST_CASE_METHOD(hub_fixture, "a client that leaves before its commit still gets its replies") {
  auto [a, pa] = login("alice");
  state.command(a, cmd("message bob last words"), at(1s));
  state.detach(a, "the client closed the connection", at(1s));  // half-closed, still reading
  CHECK_FALSE(pa->flushed_close);
  settle(at(1s));
  CHECK(pa->last() == "ok queued for bob (offline)");
  CHECK(pa->flushed_close);
}

TEST_CASE_METHOD(hub_fixture,
                 "a client closing behind held replies that stops reading is cut off") {
  // Found by fuzz_hub: the time-out queued behind a reply held for its commit, the client
  // stopped reading, and when the commit came the connection was never closed.
  auto [a, pa] = login("alice");
  state.command(a, cmd("block carol"), at(1s));
  pa->capacity = pa->lines.size();  // alice reads no more
  state.sweep(at(62s));             // timed out: the notice waits behind the held reply
  CHECK_FALSE(pa->flushed_close);
  settle(at(62s));
  CHECK(pa->aborted);
}

TEST_CASE_METHOD(hub_fixture, "changes are refused while too much waits for the store") {
  cfg.store_backlog = 2;
  restart(cfg, 0ms);
  auto [a, pa] = login("alice");
  state.command(a, cmd("message bob one"), at(1s));  // the store has not answered yet
  state.command(a, cmd("message carol two"), at(1s));
  state.command(a, cmd("block dave"), at(1s));
  state.command(a, cmd("message dave three"), at(1s));
  settle(at(1s));
  CHECK(lines_after(*pa, 1) ==
        std::vector<std::string>{
            "ok queued for bob (offline)", "ok queued for carol (offline)",
            "error not-saved the server is busy; try again",
            "error quota the server cannot store more offline messages now; the message was not "
            "queued"});
  hub.command(a, cmd("block dave"), at(2s));  // drained: taken again
  CHECK(pa->last() == "ok blocked dave");
}

TEST_CASE_METHOD(hub_fixture, "login history older than its retention is forgotten") {
  cfg.login_history = std::chrono::hours(1);
  restart(cfg, 0ms);
  auto [b, pb] = login("bob");
  hub.command(b, cmd("logout"), at(1s));
  hub.sweep(at(2h));  // prunes what ended before 1 h
  restart(cfg, 2h);
  auto [a, pa] = login("alice", 2h);
  hub.command(a, cmd("whoelsesince 999999"), at(2h));
  CHECK(pa->last() == "ok users");  // bob was seen 2 h ago, past the 1 h kept
}

// Live lines that arrive while the first page is being read wait behind the welcome; the page
// goes between them, so each sender's messages arrive in the order they were sent.
TEST_CASE_METHOD(hub_fixture,
                 "messages sent while a login reads its queue arrive after the queue") {
  auto [a, pa] = login("alice");
  hub.command(a, cmd("message bob first"), at(1s));  // bob is offline: queued
  auto [b, pb] = connect(2s);
  REQUIRE(state.login(b, cmd("login bob b"), at(2s)) == "bob");
  REQUIRE_FALSE(submitted.empty());                     // the first page is being read
  state.command(a, cmd("message bob second"), at(2s));  // live, while the page is read
  settle(at(2s));
  CHECK(lines_after(*pb, 0) == std::vector<std::string>{"ok welcome bob",
                                                        "offline 2023-11-14T22:13:21Z alice first",
                                                        "msg 2023-11-14T22:13:22Z alice second"});
}
