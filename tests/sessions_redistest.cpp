// Redis tier, over NATS: presence and channel membership in Redis, shared by two sessions
// processes (each request and session event taken by one of them). One sessions process is
// SIGKILLed: the other serves on. Redis goes away: presence and channel requests answer
// `unavailable`, the players stay connected and still reach each other (routing needs no Redis).
// Redis comes back empty: the sessions role notices, the gateways announce their sessions and
// channels again, and presence and membership are whole.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <thread>

#include "arena/auth/jwt.hpp"
#include "arena/testing/arena_process.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/nats_server.hpp"
#include "arena/testing/player.hpp"
#include "arena/testing/redis_server.hpp"
#include "arena/testing/temp_dir.hpp"
#include "arena/testing/ws_client.hpp"
#include "redis_cluster.hpp"

namespace arena {
namespace {

namespace json = boost::json;
using testing::ArenaProcess;
using testing::str;

using Env = testing::RedisCluster;

TEST(SessionsInRedis, TwoSessionsProcessesShareStateOutliveOneAndARedisRestart) {
  Env env;
  ArenaProcess gw1(ARENA_BIN, env.args("gw-1", "auth,gateway"));
  ArenaProcess gw2(ARENA_BIN, env.args("gw-2", "gateway"));
  auto s1 = std::make_unique<ArenaProcess>(ARENA_BIN, env.args("sessions-1", "sessions"));
  ArenaProcess s2(ARENA_BIN, env.args("sessions-2", "sessions"));
  const auto alice = testing::guest(gw1.port());
  const auto bob = testing::guest(gw1.port());
  testing::Player a(gw1.port(), alice);
  testing::Player b(gw2.port(), bob);
  int rid = 1;
  auto request = [&](testing::Player& p, const char* op, json::object d) { return p.request(op, std::move(d), rid++); };
  auto online = [&](testing::Player& ws) {  // both players as presence sees them, or the error code
    const auto p = request(ws, "presence.query", {{"users", {alice.user_id, bob.user_id}}});
    if (str(p, {"op"}) != "presence.query") return str(p, {"d", "code"});
    const auto& u = p.at("d").at("users");
    return std::string(u.at(alice.user_id).at("online").as_bool() ? "a" : "-") +
           (u.at(bob.user_id).at("online").as_bool() ? "b" : "-");
  };
  auto members = [&](testing::Player& ws) -> std::int64_t {
    const auto m = request(ws, "channel.members", {{"channel", "world"}});
    return str(m, {"op"}) == "channel.members" ? static_cast<std::int64_t>(m.at("d").at("members").as_array().size())
                                               : -1;
  };
  auto eventually = [](const std::function<bool()>& done) {
    for (int i = 0; i < 100; ++i) {  // bounded: 10 s
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  ASSERT_TRUE(eventually([&] { return online(a) == "ab"; }));
  EXPECT_EQ(str(request(a, "channel.join", {{"channel", "world"}}), {"op"}), "channel.join");
  EXPECT_EQ(str(request(b, "channel.join", {{"channel", "world"}}), {"op"}), "channel.join");
  for (int i = 0; i < 6; ++i) EXPECT_EQ(members(i % 2 ? a : b), 2);  // whichever process answers

  // One sessions process dies: the other takes every request and event.
  ::kill(s1->pid(), SIGKILL);
  s1.reset();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(online(i % 2 ? a : b), "ab");
  EXPECT_EQ(members(a), 2);

  // Redis goes away: presence and channels answer unavailable; the players stay connected and
  // reach each other.
  env.redis.stop();
  EXPECT_EQ(online(a), "unavailable");
  EXPECT_EQ(members(b), -1);
  EXPECT_EQ(str(request(a, "channel.send", {{"channel", "world"}, {"body", "still here"}}), {"op"}), "channel.send");
  auto msg = b.next("channel.message");
  ASSERT_TRUE(msg);
  EXPECT_EQ(str(*msg, {"d", "body"}), "still here");
  EXPECT_EQ(str(request(b, "ping", {}), {"op"}), "pong");

  // Redis is back, empty: the gateways announce their sessions and channels again.
  env.redis.start();
  EXPECT_TRUE(eventually([&] { return online(b) == "ab"; })) << s2.log();
  EXPECT_TRUE(eventually([&] { return members(a) == 2; }));
  EXPECT_EQ(str(request(a, "ping", {}), {"op"}), "pong");

  // The session mirrors went with Redis's data: the next push makes b's again, whole, so b can
  // still move to the other gateway with what it missed.
  EXPECT_EQ(str(request(a, "channel.send", {{"channel", "world"}, {"body", "after"}}), {"op"}), "channel.send");
  auto after = b.next("channel.message");
  ASSERT_TRUE(after);
  EXPECT_TRUE(eventually([&] { return testing::metric(gw2.port(), "gateway_mirror_remade_total") >= 1; }));
  b.ws->drop();
  testing::WsOptions resume;
  resume.query = "sid=" + b.sid + "&last_seq=" + std::to_string(after->at("seq").as_int64() - 1);
  testing::Player moved(gw1.port(), bob, resume);
  EXPECT_TRUE(moved.welcome.at("d").at("resumed").as_bool()) << moved.welcome;
  auto again = moved.next("channel.message");
  ASSERT_TRUE(again);
  EXPECT_EQ(str(*again, {"d", "body"}), "after");
  EXPECT_EQ(gw1.stop(), 0);
  EXPECT_EQ(gw2.stop(), 0);
  EXPECT_EQ(s2.stop(), 0);
}

}  // namespace
}  // namespace arena
