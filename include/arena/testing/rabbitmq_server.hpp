#pragma once
// A throwaway rabbitmq-server (Debian's package) as its own Erlang node (a unique node name, its
// own database dir, AMQP, distribution and epmd ports, all on 127.0.0.1)
// (include/arena/testing/child_server.hpp). It takes a few seconds to boot.
#include <string>

#include "arena/testing/child_server.hpp"

namespace arena::testing {

class RabbitMqServer final : public ChildServer {
 public:
  RabbitMqServer();
  // Stops the node and the epmd daemon it started on its own port.
  ~RabbitMqServer() override;
  std::string url() const { return "amqp://guest:guest@127.0.0.1:" + std::to_string(port()); }

 private:
  std::vector<std::string> command() const override;
  std::vector<std::string> environment() const override;
  std::chrono::seconds start_timeout() const override { return std::chrono::seconds(60); }
  std::uint16_t dist_port_;
  std::uint16_t epmd_port_;
  std::string node_;
};

}  // namespace arena::testing
