#include "arena/sessions/channel_service.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <mutex>

#include "arena/bus/memory_bus.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"

namespace arena::sessions {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

json::object join(bus::Bus& bus, const std::string& channel, const std::string& user, const std::string& sid) {
  auto r = bus.request_sync(protocol::kChannelsJoin,
                            json::serialize(json::object{{"channel", channel}, {"user_id", user}, {"sid", sid}}), 2s);
  EXPECT_EQ(r.error, bus::RequestError::none);
  return json::parse(r.data).as_object();
}

std::string code(const json::object& o) {
  const auto* e = o.if_contains("error");
  return e ? std::string(e->at("code").as_string()) : "";
}

struct Channels : ::testing::Test {
  bus::MemoryBus bus;
  router::Router router{bus};
  ChannelService channels{bus, router, ChannelSettings{.max_members = 2}};
};

TEST_F(Channels, AUserCountsOnceHoweverManySessionsAndTheLimitHolds) {
  EXPECT_EQ(code(join(bus, "lobby", "u1", "s1")), "");
  EXPECT_EQ(code(join(bus, "lobby", "u1", "s2")), "");  // the same user again: still one member
  auto two = join(bus, "lobby", "u2", "s3");
  EXPECT_EQ(two.at("members").as_array().size(), 2u);
  EXPECT_EQ(code(join(bus, "lobby", "u3", "s4")), "channel_full");
  EXPECT_EQ(channels.members("lobby"), (std::vector<std::string>{"u1", "u2"}));
}

TEST_F(Channels, AClosedSessionLeavesItsChannelsAndCannotJoinLate) {
  std::vector<std::string> events;
  std::mutex mu;
  auto sub = bus.subscribe(protocol::route_channel("lobby"), [&](const bus::Message& m) {
    std::lock_guard lock(mu);
    events.emplace_back(m.data);
  });
  join(bus, "lobby", "u1", "s1");
  join(bus, "lobby", "u2", "s2");
  bus.publish(protocol::kSessionClosed, protocol::encode(protocol::SessionEvent{"s1", "u1", "gw"}));
  ASSERT_TRUE(bus.wait_idle(5s));
  EXPECT_EQ(channels.members("lobby"), (std::vector<std::string>{"u2"}));
  {
    std::lock_guard lock(mu);
    ASSERT_FALSE(events.empty());
    EXPECT_NE(events.back().find("channel.left"), std::string::npos);
  }
  // A join of that session that the bus hands over after its close (another queue) is refused.
  EXPECT_EQ(code(join(bus, "lobby", "u1", "s1")), "session_closed");
  EXPECT_EQ(channels.members("lobby"), (std::vector<std::string>{"u2"}));
}

TEST_F(Channels, MalformedRequestsGetAnErrorAndChangeNothing) {
  for (const char* bad : {"", "[]", R"({"channel":"a.b","user_id":"u","sid":"s"})", R"({"channel":"c"})"}) {
    auto r = bus.request_sync(protocol::kChannelsJoin, bad, 2s);
    ASSERT_EQ(r.error, bus::RequestError::none) << bad;
    EXPECT_EQ(code(json::parse(r.data).as_object()), "invalid_field") << bad;
  }
  bus.publish(protocol::kSessionClosed, "not json");
  ASSERT_TRUE(bus.wait_idle(5s));
  EXPECT_TRUE(channels.members("c").empty());
}

}  // namespace
}  // namespace arena::sessions
