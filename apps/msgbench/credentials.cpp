// The naming scheme msgbench logs in with, written out as a msgserver credentials file.
#include "credentials.hpp"

#include <fstream>

namespace msgbench {

std::string write_credentials(const std::string& path, std::size_t count, const std::string& prefix,
                              const std::string& password) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return "cannot write " + path;
  for (std::size_t i = 0; i < count; ++i)
    out << prefix << i << ' ' << password << '\n';
  out.close();
  return out ? std::string{} : "error writing " + path;
}

}  // namespace msgbench
