// Test support: a certificate authority and a server certificate it signed, for localhost and
// 127.0.0.1, made at test time with the openssl tool, so host-name checks are real ones.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace msgapp::test {

// OPENSSL_PROGRAM: the openssl tool's path, found by CMake.
class test_certificates {
 public:
  test_certificates() : dir_("msgapp-tls") {
    const std::string curve = "ec_paramgen_curve:prime256v1";  // fast to make, unlike RSA
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", curve, "-nodes", "-days", "2", "-subj",
             "/CN=msgapp test CA", "-keyout", "ca.key", "-out", "ca.pem"});
    openssl({"req", "-newkey", "ec", "-pkeyopt", curve, "-nodes", "-subj", "/CN=localhost",
             "-keyout", "server.key", "-out", "server.csr"});
    dir_.write("names.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    openssl({"x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", "names.ext", "-out", "server.pem"});
  }

  std::string ca() const { return dir_.path_of("ca.pem"); }        // trust this
  std::string cert() const { return dir_.path_of("server.pem"); }  // the server's chain
  std::string key() const { return dir_.path_of("server.key"); }
  std::string ca_key() const { return dir_.path_of("ca.key"); }  // not the server's key

 private:
  void openssl(const std::vector<std::string>& args) const {
    child_process tool(OPENSSL_PROGRAM, args, dir_.str());
    tool.close_stdin();
    const auto status = tool.wait(std::chrono::seconds(20));
    if (status != 0) throw std::runtime_error("openssl " + args[0] + " failed: " + tool.err());
  }

  temp_dir dir_;
};

// One set per test program: making them takes a few tenths of a second.
inline const test_certificates& certificates() {
  static const test_certificates made;
  return made;
}

}  // namespace msgapp::test
