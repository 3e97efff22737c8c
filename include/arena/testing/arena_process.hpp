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
