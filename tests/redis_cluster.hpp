#pragma once
// The redis tier's cluster: a throwaway redis-server and nats-server (JetStream on), a temp dir,
// one key ring, and the `arena serve` arguments of a process on them.
#include <string>
#include <vector>

#include "arena/auth/jwt.hpp"
#include "arena/testing/nats_server.hpp"
#include "arena/testing/redis_server.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::testing {

struct RedisCluster {
  RedisServer redis;
  NatsServer nats;
  TempDir dir;
  std::string keys = auth::KeyRing::generate_entry("k1");

  std::vector<std::string> args(const std::string& node, const std::string& roles,
                                const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> a{"serve",       "--listen",   "127.0.0.1:0", "--bus",     nats.url(),
                               "--redis",     redis.url(),  "--redis-timeout", "200ms", "--node-id",
                               node,          "--roles",    roles,         "--data-dir", (dir.path() / node).string(),
                               "--auth-jwt-keys", keys,     "--http-access-log", "false"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

}  // namespace arena::testing
