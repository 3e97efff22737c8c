#pragma once
// The real `arena` binary as a child process: started with arguments, its port read from the
// "arena serving" log line (so --listen 127.0.0.1:0 works), stopped with SIGTERM.
#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace arena::testing {

// What every node of a test cluster is started with: `serve` on 127.0.0.1:0 as `node` with
// `roles`, its own data dir <data_root>/<node>, the shared JWT key ring, no access log; then
// `extra`.
std::vector<std::string> node_args(const std::string& node, const std::string& roles, const std::string& data_root,
                                   const std::string& jwt_keys, const std::vector<std::string>& extra = {});

class ArenaProcess {
 public:
  // Throws std::runtime_error if the process exits or does not report its port within 20 s.
  ArenaProcess(const std::string& binary, std::vector<std::string> args);
  ~ArenaProcess();  // SIGKILL if still running
  ArenaProcess(const ArenaProcess&) = delete;
  ArenaProcess& operator=(const ArenaProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGTERM, then waits; returns the exit status (or -1 if killed by a signal).
  int stop();
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::string log_;
  std::thread reader_;  // keeps draining stderr so the child never blocks on logging
};

}  // namespace arena::testing
