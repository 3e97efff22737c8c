#pragma once
// A throwaway redis-server (Debian's package) on a free 127.0.0.1 port with its own temp dir,
// nothing saved to disk, stopped on destruction. Throws if it cannot start: a test needing Redis
// fails, never skips.
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "arena/testing/net.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::testing {

class RedisServer {
 public:
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }

  // Fault tests: stop it (its data is gone: nothing is saved) and start it again on the same port.
  void stop();
  void start();

 private:
  bool launch();
  TempDir dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace arena::testing
