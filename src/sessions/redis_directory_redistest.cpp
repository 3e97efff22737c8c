// The directory conformance suite on a throwaway redis-server; each directory has its own pool,
// as each sessions process would. Then: Redis restarted empty is noticed.
#include "arena/storage/redis.hpp"
#include "arena/testing/redis_server.hpp"
#include "directory_conformance.hpp"

namespace arena::sessions::testing {
namespace {

// A directory with its own pool (kept alive with it).
std::shared_ptr<Directory> redis_directory(const std::string& url) {
  struct Owned {
    explicit Owned(const std::string& u) : pool({.url = u, .size = 2}) {}
    storage::RedisPool pool;
    RedisDirectory dir{pool};
  };
  auto owned = std::make_shared<Owned>(url);
  return {owned, &owned->dir};
}

INSTANTIATE_TEST_SUITE_P(Redis, DirectoryConformance,
                         ::testing::Values(DirectoryFactory{"redis",
                                                            [] {
                                                              auto server =
                                                                  std::make_shared<arena::testing::RedisServer>();
                                                              return
                                                                  [server] { return redis_directory(server->url()); };
                                                            }}),
                         factory_name);

TEST(RedisDirectory, NoticesARedisThatRestartedEmpty) {
  arena::testing::RedisServer server;
  auto dir = redis_directory(server.url());
  dir->intact();
  dir->open("s1", "u1", "gw-1");
  EXPECT_TRUE(dir->intact());
  server.stop();
  EXPECT_THROW(dir->open("s2", "u2", "gw-1"), storage::RedisError);
  server.start();  // a throwaway server keeps nothing across a restart
  EXPECT_FALSE(dir->intact());
  EXPECT_TRUE(dir->lookup("u1").empty());
  EXPECT_TRUE(dir->intact());
}

}  // namespace
}  // namespace arena::sessions::testing
