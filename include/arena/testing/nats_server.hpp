#pragma once
// A throwaway nats-server (Debian's package) with JetStream on (include/arena/testing/child_server.hpp).
#include <string>

#include "arena/testing/child_server.hpp"

namespace arena::testing {

class NatsServer final : public ChildServer {
 public:
  NatsServer();
  ~NatsServer() override = default;
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port()); }

 private:
  std::vector<std::string> command() const override;
};

}  // namespace arena::testing
