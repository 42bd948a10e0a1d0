// hub_state's admission rules with a fake clock: connections per address, the login deadline
// and the schedule of login attempts from an address that failed too often.
#include <msgapp/server/login_throttle.hpp>
#include <msgapp/server/per_address.hpp>

#include "hub_fixture.hpp"

using namespace msgapp::test;

namespace {
// A connection from `address` (the fixture's connect() uses loopback addresses).
std::pair<conn_id, fake_sink*> connect_from(hub_fixture& f, std::string address,
                                            std::chrono::milliseconds t = 0ms) {
  auto p = std::make_shared<fake_sink>();
  const conn_id id = f.next++;
  f.sinks[id] = p;
  const bool admitted = f.hub.attach(id, p, std::move(address), at(t));
  return {admitted ? id : 0, p.get()};
}

// The fixture's state with `change` applied to its configuration, on the same database.
void reconfigure(hub_fixture& f, const std::function<void(server::config&)>& change) {
  auto c = f.cfg;
  change(c);
  f.restart(c, 0ms);
}
}  // namespace

TEST_CASE("loopback addresses are loopback, others are not") {
  CHECK(server::is_loopback("127.0.0.1"));
  CHECK(server::is_loopback("127.0.0.2"));
  CHECK(server::is_loopback("127.255.1.9"));
  CHECK(server::is_loopback("::1"));
  CHECK(server::is_loopback("::ffff:127.0.0.1"));
  CHECK_FALSE(server::is_loopback("10.0.0.1"));
  CHECK_FALSE(server::is_loopback("128.0.0.1"));
  CHECK_FALSE(server::is_loopback("::ffff:10.0.0.1"));
  CHECK_FALSE(server::is_loopback("2001:db8::1"));
}

TEST_CASE_METHOD(hub_fixture, "an address may hold connections_per_address connections") {
  reconfigure(*this, [](server::config& c) { c.connections_per_address = 2; });
  auto [a1, p1] = connect_from(*this, "10.0.0.1");
  auto [a2, p2] = connect_from(*this, "10.0.0.1");
  CHECK(a1 != 0);
  CHECK(a2 != 0);
  auto [a3, p3] = connect_from(*this, "10.0.0.1");
  CHECK(a3 == 0);
  CHECK(p3->last() ==
        "error too-many-connections 2 connections from your address are open already; close one "
        "and try again");
  CHECK(p3->flushed_close);
  auto [b1, pb] = connect_from(*this, "10.0.0.2");  // another address is not affected
  CHECK(b1 != 0);

  // Counted down however a connection ends: detached by its reader, logged out, timed out.
  hub.detach(a1, "the client closed the connection", at(1ms));
  auto [a4, p4] = connect_from(*this, "10.0.0.1", 1ms);
  CHECK(a4 != 0);
  CHECK(hub.login(a4, cmd("login alice a"), at(1ms)) == "alice");
  hub.command(a4, cmd("logout"), at(2ms));
  hub.detach(a4, "closed by the server", at(2ms));
  auto [a5, p5] = connect_from(*this, "10.0.0.1", 2ms);
  CHECK(a5 != 0);
  auto [a6, p6] = connect_from(*this, "10.0.0.1", 2ms);
  CHECK(a6 == 0);
}

TEST_CASE_METHOD(hub_fixture, "loopback is exempt from the per-address limit unless asked") {
  reconfigure(*this, [](server::config& c) { c.connections_per_address = 1; });
  CHECK(connect_from(*this, "127.0.0.9").first != 0);
  CHECK(connect_from(*this, "127.0.0.9").first != 0);
  CHECK(connect_from(*this, "::1").first != 0);
  CHECK(connect_from(*this, "::1").first != 0);
  CHECK(connect_from(*this, "10.0.0.1").first != 0);
  CHECK(connect_from(*this, "10.0.0.1").first == 0);

  reconfigure(*this, [](server::config& c) {
    c.connections_per_address = 1;
    c.limit_loopback = true;
  });
  CHECK(connect_from(*this, "127.0.0.9").first != 0);
  CHECK(connect_from(*this, "127.0.0.9").first == 0);
  CHECK(connect_from(*this, "::ffff:127.0.0.9").first != 0);  // another spelling, another address
  CHECK(connect_from(*this, "::ffff:127.0.0.9").first == 0);
}

TEST_CASE_METHOD(hub_fixture, "a connection must log in within login_deadline, whatever it sends") {
  reconfigure(*this, [](server::config& c) {
    c.login_deadline = 5s;
    c.timeout = 60s;
  });
  auto [idle, pi] = connect();
  auto [busy, pb] = connect();
  auto [user, pu] = connect();
  for (int t = 0; t < 5000; t += 1000) {
    CHECK_FALSE(hub.login(busy, cmd("frobnicate"), at(std::chrono::milliseconds(t))));
    CHECK_FALSE(hub.login(busy, cmd(""), at(std::chrono::milliseconds(t))));
  }
  CHECK(hub.login(user, cmd("login alice a"), at(4'000ms)) == "alice");
  hub.sweep(at(4'999ms));
  CHECK_FALSE(pi->flushed_close);
  CHECK_FALSE(pb->flushed_close);
  hub.sweep(at(5'000ms));
  CHECK(pi->last() == "timeout not logged in within 5 s; closed");
  CHECK(pi->flushed_close);
  CHECK(pb->last() == "timeout not logged in within 5 s; closed");
  CHECK(pb->flushed_close);
  CHECK_FALSE(pu->flushed_close);  // logged in in time: only the idle time-out applies
}

TEST_CASE_METHOD(hub_fixture, "login_deadline 0 leaves only the idle time-out") {
  reconfigure(*this, [](server::config& c) {
    c.login_deadline = 0ms;
    c.timeout = 60s;
  });
  auto [c1, p1] = connect();
  hub.login(c1, cmd("frobnicate"), at(50'000ms));
  hub.sweep(at(100'000ms));
  CHECK_FALSE(p1->flushed_close);
  hub.sweep(at(110'000ms));
  CHECK(p1->flushed_close);
}

TEST_CASE("the throttle spaces attempts after the free failures, doubling up to the cap") {
  server::config c;  // 5 free, 100 ms doubling, at most 3 s
  server::login_throttle t(c);
  CHECK(t.spacing(0) == 0ms);
  CHECK(t.spacing(4) == 0ms);
  CHECK(t.spacing(5) == 100ms);
  CHECK(t.spacing(6) == 200ms);
  CHECK(t.spacing(9) == 1'600ms);
  CHECK(t.spacing(10) == 3'000ms);
  CHECK(t.spacing(1'000'000) == 3'000ms);

  const std::chrono::steady_clock::time_point t0{1000h};
  for (int i = 0; i < 5; ++i) {
    CHECK(t.admit("10.0.0.1", t0) == t0);  // the free ones: at once
    t.failed("10.0.0.1", t0);
  }
  // Attempts from the address queue one behind the other, however many connections ask.
  CHECK(t.admit("10.0.0.1", t0) == t0);
  CHECK(t.admit("10.0.0.1", t0) == t0 + 100ms);
  CHECK(t.admit("10.0.0.1", t0) == t0 + 200ms);
  CHECK(t.admit("10.0.0.2", t0) == t0);  // another address: at once
  t.failed("10.0.0.1", t0);
  CHECK(t.admit("10.0.0.1", t0) == t0 + 300ms);
  CHECK(t.admit("10.0.0.1", t0) == t0 + 500ms);    // now 200 ms apart
  CHECK(t.admit("10.0.0.1", t0 + 2s) == t0 + 2s);  // slots not taken are not saved up

  // Ten minutes without a failure forget the address.
  CHECK(t.failures("10.0.0.1", t0 + 599s) == 6);
  CHECK(t.failures("10.0.0.1", t0 + 600s) == 0);
  CHECK(t.admit("10.0.0.1", t0 + 600s) == t0 + 600s);
  t.forget_old(t0 + 600s);
  CHECK(t.size() == 0);
}

TEST_CASE("the throttle queues no attempt further ahead than the cap; the rest are refused") {
  server::config c;  // 5 free, 100 ms doubling, at most 3 s
  server::login_throttle t(c);
  const std::chrono::steady_clock::time_point t0{1000h};
  for (int i = 0; i < 10; ++i)
    t.failed("10.0.0.1", t0);  // spaced 3 s apart now
  CHECK(t.admit("10.0.0.1", t0) == t0);
  CHECK(t.admit("10.0.0.1", t0) == t0 + 3s);  // waits 3 s, the most anyone waits
  CHECK_FALSE(t.admit("10.0.0.1", t0));       // would wait 6 s: refused, no slot taken
  CHECK_FALSE(t.admit("10.0.0.1", t0 + 1s));
  CHECK(t.admit("10.0.0.1", t0 + 3s) == t0 + 6s);  // the rate stays one per 3 s
  CHECK(t.admit("10.0.0.2", t0) == t0);            // another address: at once
}

TEST_CASE("the throttle's table is bounded: the oldest failure is forgotten first") {
  server::config c;
  c.address_table = 2;
  server::login_throttle t(c);
  const std::chrono::steady_clock::time_point t0{1000h};
  t.failed("a", t0);
  t.failed("b", t0 + 1ms);
  t.failed("a", t0 + 2ms);  // a is now the youngest
  t.failed("c", t0 + 3ms);  // b goes
  CHECK(t.size() == 2);
  CHECK(t.failures("a", t0 + 3ms) == 2);
  CHECK(t.failures("b", t0 + 3ms) == 0);
  CHECK(t.failures("c", t0 + 3ms) == 1);
}

TEST_CASE_METHOD(hub_fixture, "failed logins from an address slow its attempts, not others'") {
  auto [c1, p1] = connect_from(*this, "10.0.0.1");
  // Unknown names, wrong passwords and blocked names all count, spread over many names.
  CHECK_FALSE(hub.login(c1, cmd("login nobody x"), at(0ms)));
  CHECK_FALSE(hub.login(c1, cmd("login alice x"), at(0ms)));
  CHECK_FALSE(hub.login(c1, cmd("login bob x"), at(0ms)));
  CHECK_FALSE(hub.login(c1, cmd("login carol x"), at(0ms)));
  CHECK(state.admit_login(c1, at(0ms)) == at(0ms).mono);  // 4 failures: still free
  CHECK_FALSE(hub.login(c1, cmd("login dave x"), at(0ms)));
  CHECK(p1->last() == "error wrong-password wrong password; 2 attempts left");  // as before

  auto [c2, p2] = connect_from(*this, "10.0.0.1");  // a new connection does not help
  CHECK(state.admit_login(c2, at(0ms)) == at(0ms).mono);
  CHECK(state.admit_login(c1, at(0ms)) == at(100ms).mono);
  CHECK(state.admit_login(c2, at(0ms)) == at(200ms).mono);

  auto [other, po] = connect_from(*this, "10.0.0.2");
  CHECK(state.admit_login(other, at(0ms)) == at(0ms).mono);
  CHECK(hub.login(other, cmd("login alice a"), at(0ms)) == "alice");

  // Past what the 3 s cap holds, an attempt is refused at once, in words that never say
  // "blocked" (that means the 3-strike block of a name).
  for (int i = 0; i < 5; ++i)
    CHECK_FALSE(hub.login(c1, cmd("login nobody x"), at(0ms)));
  CHECK(state.admit_login(c2, at(10s)) == at(10s).mono);
  CHECK(state.admit_login(c2, at(10s)) == at(13s).mono);
  CHECK_FALSE(state.admit_login(c1, at(10s)));
  CHECK_THAT(p1->last(), Catch::StartsWith("error login-busy too many login attempts from your "
                                           "address") &&
                             !Catch::Contains("blocked"));
}
