// The session mirror's Lua scripts on a throwaway redis-server: a session is made, written and
// taken by exactly one other node, which leaves a tombstone the old node reads as "taken"; a
// mirror Redis lost reads as "lost"; a node silent past its ttl cannot be taken from.
#include <gtest/gtest.h>

#include "arena/gateway/mirror.hpp"
#include "arena/storage/redis.hpp"
#include "arena/testing/redis_server.hpp"

namespace arena::gateway {
namespace {

using namespace std::chrono_literals;

struct RedisMirror : ::testing::Test {
  arena::testing::RedisServer server;
  storage::RedisPool pool{{.url = server.url(), .size = 2}};
  std::unique_ptr<SessionMirror> mirror = redis_session_mirror(pool, 500ms, 60s);

  MirrorWrite opened(const std::string& sid, std::vector<MirrorEntry> entries = {}) {
    MirrorWrite w{sid};
    w.user = "u1";
    w.created_ms = 1'000;
    w.entries = std::move(entries);
    return w;
  }
};

TEST_F(RedisMirror, ASessionIsWrittenInOrderAndTakenOnceWithItsLastPushesAndChannels) {
  mirror->keep_alive("gw-1", {});
  auto w = opened("s1", {{1, "m1", "one"}, {2, "m2", "two"}});
  w.channels = std::vector<MirrorChannel>{{"lobby", 1'500}};
  EXPECT_TRUE(mirror->write("gw-1", {w}, 2).taken.empty());
  MirrorWrite more{"s1"};
  more.entries = {{3, "m3", "three"}};
  EXPECT_TRUE(mirror->write("gw-1", {more}, 2).taken.empty());

  EXPECT_FALSE(mirror->take("s1", "u2", "gw-2"));  // another user's sid: nothing, and nothing moves
  auto m = mirror->take("s1", "u1", "gw-2");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->node, "gw-1");
  EXPECT_EQ(m->created_ms, 1'000);
  EXPECT_EQ(m->seq, 3u);
  ASSERT_EQ(m->entries.size(), 2u);  // the limit: the last two
  EXPECT_EQ(m->entries[0].seq, 2u);
  EXPECT_EQ(m->entries[1].id, "m3");
  EXPECT_EQ(m->entries[1].body, "three");
  ASSERT_EQ(m->channels.size(), 1u);
  EXPECT_EQ(m->channels[0].name, "lobby");
  EXPECT_EQ(m->channels[0].joined_ms, 1'500);

  EXPECT_FALSE(mirror->take("s1", "u1", "gw-3"));  // moved already
  MirrorWrite late{"s1"};
  late.entries = {{4, "m4", "four"}};
  const auto r = mirror->write("gw-1", {late}, 2);  // the old node hears it moved
  EXPECT_EQ(r.taken, std::vector<std::string>{"s1"});
  EXPECT_TRUE(r.lost.empty());
}

TEST_F(RedisMirror, AMirrorRedisLostReadsAsLostAndIsMadeAgainWhole) {
  mirror->write("gw-1", {opened("s1", {{1, "m1", "one"}})}, 8);
  pool.command({"FLUSHALL"});
  MirrorWrite push{"s1"};
  push.entries = {{2, "m2", "two"}};
  const auto r = mirror->write("gw-1", {push}, 8);
  EXPECT_EQ(r.lost, std::vector<std::string>{"s1"});
  mirror->write("gw-1", {opened("s1", {{1, "m1", "one"}, {2, "m2", "two"}})}, 8);
  mirror->keep_alive("gw-1", {"s1"});
  auto m = mirror->take("s1", "u1", "gw-2");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->seq, 2u);
  EXPECT_EQ(m->entries.size(), 2u);
}

TEST_F(RedisMirror, ASessionOfANodeSilentPastItsTtlCannotBeTaken) {
  mirror->keep_alive("gw-1", {});
  mirror->write("gw-1", {opened("s1")}, 8);
  const auto ttl = pool.command({"PTTL", "arena:m:node:gw-1"}).integer;  // the node ttl: 500 ms
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 500);
  pool.command({"DEL", "arena:m:node:gw-1"});  // as when that ttl ran out
  EXPECT_FALSE(mirror->take("s1", "u1", "gw-2"));
  MirrorWrite closing{"s1"};
  closing.close = true;
  EXPECT_TRUE(mirror->write("gw-1", {closing}, 8).taken.empty());  // its own node may still end it
  EXPECT_EQ(pool.command({"EXISTS", "arena:m:s1"}).integer, 0);
}

}  // namespace
}  // namespace arena::gateway
