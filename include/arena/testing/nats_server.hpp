#pragma once
// A throwaway nats-server (Debian's package) on a free 127.0.0.1 port with its own temp dir,
// stopped on destruction. Throws if it cannot start: a test needing NATS fails, never skips.
#include <sys/types.h>
#include <cstdint>
#include <string>

#include "arena/testing/net.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::testing {

class NatsServer {
 public:
  NatsServer();
  ~NatsServer();
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }

  // Fault tests: stop it (SIGKILL, as a crash) and start it again on the same port with the same
  // JetStream store.
  void stop();
  void start();

 private:
  bool launch();
  TempDir dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace arena::testing
