#pragma once
// A throwaway redis-server (Debian's package), nothing saved to disk
// (include/arena/testing/child_server.hpp).
#include <string>

#include "arena/testing/child_server.hpp"

namespace arena::testing {

class RedisServer final : public ChildServer {
 public:
  RedisServer();
  ~RedisServer() override = default;
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port()); }

 private:
  std::vector<std::string> command() const override;
};

}  // namespace arena::testing
