#pragma once
// Throwaway servers as child processes (nats-server, redis-server, rabbitmq-server): each on a free 127.0.0.1
// port with its own temp dir, started so that it dies with the test process, waited for
// (bounded) until it listens, and killed on destruction. Throws if it cannot start: a test
// needing it fails, never skips.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "arena/testing/net.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::testing {

class ChildServer {
 public:
  virtual ~ChildServer();
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;
  std::uint16_t port() const { return port_; }

  // Fault tests: stop it (SIGKILL, as a crash) and start it again on the same port and dir.
  void stop();
  void start();

 protected:
  ChildServer() = default;
  // Call from the derived constructor: a free port, up to five tries; throws naming `what`.
  void first_start(const std::string& what);
  // The command line (argv[0] the executable's path) for port_ and dir_.
  virtual std::vector<std::string> command() const = 0;
  // NAME=value pairs added to the test's environment for the child.
  virtual std::vector<std::string> environment() const { return {}; }
  // How long it may take to listen (an Erlang VM boots slower than a Go binary).
  virtual std::chrono::seconds start_timeout() const { return std::chrono::seconds(10); }
  TempDir dir_;

 private:
  bool launch();
  std::string what_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace arena::testing
