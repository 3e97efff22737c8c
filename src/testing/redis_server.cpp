#include "arena/testing/redis_server.hpp"

#include <unistd.h>

#include <stdexcept>

namespace arena::testing {

namespace {
constexpr const char* kExe = "/usr/bin/redis-server";
}

RedisServer::RedisServer() {
  if (::access(kExe, X_OK) != 0)
    throw std::runtime_error("redis-server is not installed: run scripts/deps.sh test (Debian package redis-server)");
  first_start("redis-server");
}

std::vector<std::string> RedisServer::command() const {
  return {kExe,
          "--bind",
          "127.0.0.1",
          "--port",
          std::to_string(port()),
          "--dir",
          dir_.path().string(),
          "--save",
          "",
          "--appendonly",
          "no",
          "--logfile",
          (dir_.path() / "redis.log").string(),
          "--daemonize",
          "no"};
}

}  // namespace arena::testing
