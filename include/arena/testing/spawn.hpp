#pragma once
// Starting a child process from a multi-threaded test. Between fork and exec the child may only
// make async-signal-safe calls: another thread may have held the allocator's lock (or stdio's,
// or the environment's) at the fork, and the child would wait on it forever. CI saw exactly
// that (an ASan allocator lock, taken while building argv after fork). So everything is built
// here before fork; the child only drops privileges, redirects, and execs.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace arena::testing {

struct SpawnOptions {
  std::string path;                           // the executable
  std::vector<std::string> argv;              // argv[0] included
  std::vector<std::string> env_set;           // NAME=value, over the inherited environment
  std::vector<std::string> env_unset;         // NAME: left out of the inherited environment
  std::string output;                         // stdout and stderr appended to this file; empty: inherited
  int stderr_fd = -1;                         // else, when set: stderr onto this descriptor
  int close_fd = -1;                          // closed in the child (the parent's end of a pipe)
  std::optional<std::pair<uid_t, gid_t>> as;  // when root: run as this user
};

// fork + exec; the child dies with the parent (PR_SET_PDEATHSIG). Returns the pid; throws if
// fork fails. An exec failure shows as the child exiting with 127.
pid_t spawn(const SpawnOptions& options);

}  // namespace arena::testing
