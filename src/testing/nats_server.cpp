#include "arena/testing/nats_server.hpp"

#include <unistd.h>

#include <stdexcept>

namespace arena::testing {

namespace {
const char* executable() {
  return ::access("/usr/sbin/nats-server", X_OK) == 0 ? "/usr/sbin/nats-server" : "/usr/bin/nats-server";
}
}  // namespace

NatsServer::NatsServer() {
  if (::access(executable(), X_OK) != 0)
    throw std::runtime_error("nats-server is not installed: run scripts/deps.sh (Debian package nats-server)");
  first_start("nats-server");
}

std::vector<std::string> NatsServer::command() const {
  return {executable(),
          "-a",
          "127.0.0.1",
          "-p",
          std::to_string(port()),
          "-js",
          "-sd",
          (dir_.path() / "js").string(),
          "-l",
          (dir_.path() / "nats.log").string()};
}

}  // namespace arena::testing
