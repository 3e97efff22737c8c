#include "arena/auth/key_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "arena/auth/jwt.hpp"

namespace arena::auth {

std::string load_or_create_key_file(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    const std::string entry = KeyRing::generate_entry("k1") + "\n";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      const bool ok = ::write(fd, entry.data(), entry.size()) == static_cast<ssize_t>(entry.size());
      ::close(fd);
      if (!ok) throw std::runtime_error("cannot write " + path.string());
    } else if (errno != EEXIST) {
      throw std::runtime_error("cannot create " + path.string());
    }
  }
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream spec;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    spec << line << ",";
  }
  return spec.str();
}

}  // namespace arena::auth
