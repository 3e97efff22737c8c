#include "arena/testing/spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>

extern char** environ;

namespace arena::testing {

pid_t spawn(const SpawnOptions& o) {
  std::vector<char*> argv;
  for (const auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto named = [](std::string_view entry, std::string_view name) {
    return entry.size() > name.size() && entry.substr(0, name.size()) == name && entry[name.size()] == '=';
  };
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view inherited(*e);
    const bool dropped =
        std::any_of(o.env_unset.begin(), o.env_unset.end(), [&](const auto& n) { return named(inherited, n); }) ||
        std::any_of(o.env_set.begin(), o.env_set.end(),
                    [&](const std::string& x) { return named(inherited, std::string_view(x).substr(0, x.find('='))); });
    if (!dropped) env.push_back(*e);
  }
  for (const auto& e : o.env_set) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  const bool as = o.as.has_value() && ::getuid() == 0;
  const uid_t uid = as ? o.as->first : 0;
  const gid_t gid = as ? o.as->second : 0;

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid > 0) return pid;
  // The child: async-signal-safe calls only from here on.
  if (as && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) ::_exit(126);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // after setuid, which clears it: never outlive a crashed test
  if (!o.output.empty()) {
    const int fd = ::open(o.output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) ::_exit(125);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  } else if (o.stderr_fd >= 0) {
    ::dup2(o.stderr_fd, STDERR_FILENO);
  }
  if (o.close_fd >= 0) ::close(o.close_fd);
  ::execve(o.path.c_str(), argv.data(), env.data());
  ::_exit(127);
}

}  // namespace arena::testing
