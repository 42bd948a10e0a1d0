// The real msgclient over TLS against the real msgserver with a certificate made at test time:
// --tls --ca logs in and chats; the system's store refuses the certificate, clearly; --insecure
// connects but warns; a client without --tls gets a hint; private sessions follow the server
// connection onto TLS.
#include "../support/test_certificates.hpp"
#include "msgclient_fixture.hpp"

using namespace msgapp::test;

namespace {

// msgserver serving TLS only, on 127.0.0.1 at a port the system picks.
class tls_server_process {
 public:
  tls_server_process()
      : proc_(server_path, {"0", "60", "600", "--credentials", accounts_.path(), "--bind",
                            "127.0.0.1", "--log-level", "warn", "--in-memory", "--tls-cert",
                            certificates().cert(), "--tls-key", certificates().key()}) {
    const auto listening = proc_.expect("listening on ");
    INFO(proc_.err());
    REQUIRE(listening.has_value());
    port_ = listening->substr(listening->rfind(':') + 1);
  }
  const std::string& port() const { return port_; }

 private:
  credentials_file accounts_;
  child_process proc_;
  std::string port_;
};

client_ptr start_tls_client(const tls_server_process& srv, std::vector<std::string> extra,
                            std::string host = "127.0.0.1", child_stderr stderr_to = as_seen) {
  std::vector<std::string> args{std::move(host), srv.port()};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<child_process>(client_path, args, std::string(), stderr_to);
}

// msgclient over TLS trusting the test CA, logged in as `user`.
client_ptr tls_logged_in(const tls_server_process& srv, const std::string& user,
                         std::string host = "127.0.0.1") {
  auto c = start_tls_client(srv, {"--tls", "--ca", certificates().ca(), "--user", user},
                            std::move(host));
  c->type(password_of(user));
  wait_for(*c, "welcome, " + user);
  return c;
}

}  // namespace

TEST_CASE("msgclient: --tls --ca logs in and chats over TLS, by name and by address") {
  tls_server_process srv;
  auto alice = tls_logged_in(srv, "alice", "localhost");
  auto bob = tls_logged_in(srv, "bob");
  alice->type("message bob over TLS");
  wait_for(*bob, "over TLS");
  bob->type("logout");
  wait_for(*bob, "goodbye");
  CHECK(exit_status(*bob) == 0);
  alice->close_stdin();
  CHECK(exit_status(*alice) == 0);
}

TEST_CASE("msgclient: over TLS, a certificate the system does not trust is refused, clearly") {
  tls_server_process srv;
  auto c = start_tls_client(srv, {"--tls", "--user", "alice"});
  const auto line = wait_for(*c, "error: ");
  CHECK(line.find("cannot connect") != std::string::npos);
  CHECK(line.find("not trusted") != std::string::npos);
  CHECK(line.find("--ca FILE") != std::string::npos);
  CHECK(exit_status(*c) == 1);
}

TEST_CASE("msgclient: --insecure connects without checks, and warns on stderr") {
  tls_server_process srv;
  auto c = start_tls_client(srv, {"--tls", "--insecure", "--user", "alice"}, "127.0.0.1",
                            child_stderr::separate);
  c->type(password_of("alice"));
  wait_for(*c, "welcome, alice");
  c->close_stdin();
  CHECK(exit_status(*c, true) == 0);
  CHECK(c->err().find("WARNING: --insecure") != std::string::npos);
}

TEST_CASE("msgclient: without --tls, a TLS server is an error with a hint") {
  tls_server_process srv;
  auto c = start_tls_client(srv, {"--user", "alice"});
  // The server waits for a TLS handshake that never comes: its deadline (5 s) ends it.
  const auto line = c->expect("error: ", 15s);
  REQUIRE(line.has_value());
  CHECK(line->find("cannot connect") != std::string::npos);
  CHECK(line->find("needs --tls") != std::string::npos);
  CHECK(exit_status(*c) == 1);
}

TEST_CASE("msgclient: with the server over TLS, a private session is encrypted too") {
  tls_server_process srv;
  auto alice = tls_logged_in(srv, "alice");
  auto bob = tls_logged_in(srv, "bob");

  alice->type("startprivate bob");
  wait_for(*alice, "private session with bob started (encrypted)");
  wait_for(*bob, "private session with alice started (encrypted)");
  alice->type("private bob sealed, bob");
  wait_for(*alice, "sent to bob (private)");
  CHECK(wait_for(*bob, "(private)").ends_with("alice (private): sealed, bob"));
  bob->type("private alice sealed too");
  CHECK(wait_for(*alice, "(private)").ends_with("bob (private): sealed too"));
  bob->type("stopprivate");
  wait_for(*alice, "private session with bob ended by bob");

  alice->close_stdin();
  bob->close_stdin();
  CHECK(exit_status(*alice) == 0);
  CHECK(exit_status(*bob) == 0);
}
