// The Redis client and the shared rate limiter against a real redis-server (label redis).
#include <gtest/gtest.h>

#include <thread>

#include "arena/core/clock.hpp"
#include "arena/storage/redis.hpp"
#include "arena/storage/redis_rate_limiter.hpp"
#include "arena/storage/redis_window_limit.hpp"
#include "arena/testing/redis_server.hpp"

namespace arena::storage {
namespace {

using testing::RedisServer;

TEST(RedisAddress, ParsesWhatRedisUrlsSay) {
  const auto a = RedisAddress::parse("redis://:s3cret@cache.example:6380/2");
  EXPECT_EQ(a.host, "cache.example");
  EXPECT_EQ(a.port, 6380);
  EXPECT_EQ(a.password, "s3cret");
  EXPECT_EQ(a.db, 2);
  const auto b = RedisAddress::parse("redis://127.0.0.1");
  EXPECT_EQ(b.port, 6379);
  EXPECT_EQ(b.db, 0);
  const auto v6 = RedisAddress::parse("redis://[::1]:6390");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 6390);
  EXPECT_EQ(RedisAddress::parse("redis://[::1]").port, 6379);
  for (const char* bad : {"http://x", "redis://", "redis://h:0", "redis://h:99999", "redis://h:6379/x", "redis://h:p",
                          "redis://[::1", "redis://[::1]x", "redis://[]:1"})
    EXPECT_THROW(RedisAddress::parse(bad), std::invalid_argument) << bad;
}

TEST(Redis, CommandsPipelinesAndErrorReplies) {
  RedisServer server;
  RedisPool pool({.url = server.url(), .size = 2});
  EXPECT_TRUE(pool.ping());
  EXPECT_EQ(pool.command({"SET", "k", std::string("a\0b", 3)}).str, "OK");
  EXPECT_EQ(pool.command({"GET", "k"}).str, std::string("a\0b", 3));  // binary-safe
  EXPECT_EQ(pool.command({"GET", "nothing"}).type, RedisValue::Type::nil);
  const auto replies = pool.with([](Redis& r) {
    return r.pipeline({{"RPUSH", "l", "x", "y"}, {"LRANGE", "l", "0", "-1"}, {"INCRBY", "n", "5"}});
  });
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].integer, 2);
  ASSERT_EQ(replies[1].elements.size(), 2u);
  EXPECT_EQ(replies[1].elements[1].str, "y");
  EXPECT_EQ(replies[2].integer, 5);
  try {
    pool.command({"INCR", "l"});  // a list is no number
    ADD_FAILURE() << "no error";
  } catch (const RedisError& e) {
    EXPECT_EQ(e.kind(), RedisError::Kind::reply);
  }
  EXPECT_EQ(pool.command({"GET", "n"}).str, "5");  // the connection is still in step
}

TEST(Redis, DownIsAConnectionErrorAndAfterARestartCallsWorkAgain) {
  RedisServer server;
  RedisPool pool({.url = server.url(), .size = 2, .timeout = std::chrono::milliseconds(300)});
  EXPECT_EQ(pool.command({"SET", "k", "1"}).str, "OK");
  server.stop();
  try {
    pool.command({"GET", "k"});
    ADD_FAILURE() << "no error while down";
  } catch (const RedisError& e) {
    EXPECT_EQ(e.kind(), RedisError::Kind::connection);
  }
  EXPECT_FALSE(pool.ping());
  server.start();
  // The pool lends no connection the restart closed: the first call after succeeds.
  EXPECT_EQ(pool.command({"SET", "k", "2"}).str, "OK");
  EXPECT_TRUE(pool.ping());
}

TEST(RedisRateLimiter, ProcessesSharingRedisShareTheBucketAndItRefillsOnTheClock) {
  RedisServer server;
  RedisPool one({.url = server.url()}), two({.url = server.url()});
  core::FakeClock clock;
  RedisRateLimiter a(one, clock), b(two, clock);  // as two auth processes
  const core::BucketPolicy policy{3, 6};          // 3 at once, then one every 10 s
  EXPECT_EQ(a.acquire("ip:1.2.3.4", policy), 0);
  EXPECT_EQ(b.acquire("ip:1.2.3.4", policy), 0);
  EXPECT_EQ(a.acquire("ip:1.2.3.4", policy), 0);
  EXPECT_EQ(b.acquire("ip:1.2.3.4", policy), 10);  // the fourth, through either: wait 10 s
  EXPECT_EQ(b.acquire("ip:5.6.7.8", policy), 0);   // another key has its own bucket
  clock.advance(std::chrono::seconds(10));
  EXPECT_EQ(a.acquire("ip:1.2.3.4", policy), 0);
  EXPECT_EQ(a.acquire("ip:1.2.3.4", policy), 10);
  // The bucket expires once it would be full again: nothing piles up in Redis.
  const auto ttl = one.command({"PTTL", "arena:rl:ip:1.2.3.4"}).integer;
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 31'000);
}

TEST(RedisRateLimiter, WhileRedisIsDownEachProcessLimitsOnItsOwnAndSaysSo) {
  RedisServer server;
  RedisPool pool({.url = server.url(), .timeout = std::chrono::milliseconds(200)});
  core::FakeClock clock;
  int errors = 0;
  RedisRateLimiter limiter(pool, clock, [&](const RedisError&) { ++errors; });
  const core::BucketPolicy policy{2, 1};
  server.stop();
  EXPECT_EQ(limiter.acquire("k", policy), 0);
  EXPECT_EQ(limiter.acquire("k", policy), 0);
  EXPECT_GT(limiter.acquire("k", policy), 0);  // still limited, by this process alone
  EXPECT_EQ(errors, 3);
  server.start();
  EXPECT_EQ(limiter.acquire("k", policy), 0);  // Redis's bucket again (a fresh one)
  EXPECT_EQ(errors, 3);
}

// Two processes' window limits meet in Redis: each learns at its sync that a key it used went
// over, even when the other pushed it over; a new window starts clean; while Redis is down, sync
// throws and nothing is refused on its account.
TEST(RedisWindowLimit, ProcessesCountTogetherPerWindow) {
  RedisServer server;
  RedisPool pool_a({.url = server.url(), .size = 1}), pool_b({.url = server.url(), .size = 1});
  core::FakeClock clock(core::SystemTime{std::chrono::seconds{1'700'000'080}});  // 20 s before a minute ends
  RedisWindowLimit a(pool_a, "t", clock, 3, std::chrono::seconds(60)),
      b(pool_b, "t", clock, 3, std::chrono::seconds(60));
  a.note("ip-1");
  a.note("ip-1");
  b.note("ip-1");
  a.sync();
  b.sync();
  EXPECT_EQ(a.retry_after("ip-1"), 0);  // three: the limit, not past it
  b.note("ip-1");
  b.sync();
  EXPECT_EQ(b.retry_after("ip-1"), 20);  // four, till the minute ends
  EXPECT_EQ(a.retry_after("ip-1"), 0);   // a has not looked since
  a.sync();
  EXPECT_EQ(a.retry_after("ip-1"), 20);  // it looks at every key it used in the window
  EXPECT_EQ(a.retry_after("ip-2"), 0);
  clock.advance(std::chrono::seconds(20));  // the next window
  EXPECT_EQ(a.retry_after("ip-1"), 0);
  a.note("ip-1");
  a.sync();
  EXPECT_EQ(a.retry_after("ip-1"), 0);
  server.stop();
  a.note("ip-1");
  EXPECT_THROW(a.sync(), RedisError);
  EXPECT_EQ(a.retry_after("ip-1"), 0);
}

}  // namespace
}  // namespace arena::storage
