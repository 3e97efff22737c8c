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
  MemoryDirectory directory;
  metrics::Registry registry;
  Backlog backlog{registry};
  ChannelService channels{bus, router, ChannelSettings{.max_members = 2}, directory, backlog};

  // What the channel's members are sent, into `events`.
  std::vector<std::string> events;
  std::mutex mu;
  std::unique_ptr<bus::Subscription> record(const std::string& channel) {
    return bus.subscribe(protocol::route_channel(channel), [this](const bus::Message& m) {
      std::lock_guard lock(mu);
      events.emplace_back(m.data);
    });
  }
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
  auto sub = record("lobby");
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

TEST_F(Channels, ASessionMovedToAnotherGatewayTakesItsOldOnesPlaceWithoutAWord) {
  auto sub = record("lobby");
  join(bus, "lobby", "u1", "s1");
  join(bus, "lobby", "u2", "s2");
  ASSERT_TRUE(bus.wait_idle(5s));
  const auto before = [&] {
    std::lock_guard lock(mu);
    return events.size();
  }();
  bus.publish(protocol::kSessionOpened, protocol::encode(protocol::SessionEvent{"s9", "u1", "gw-2", "s1", {"lobby"}}));
  ASSERT_TRUE(bus.wait_idle(5s));
  EXPECT_EQ(channels.members("lobby"), (std::vector<std::string>{"u1", "u2"}));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(events.size(), before);  // nobody was told u1 left
  }
  // The old sid is gone from the channel: its late close changes nothing; the new one's does.
  bus.publish(protocol::kSessionClosed, protocol::encode(protocol::SessionEvent{"s1", "u1", "gw-1"}));
  ASSERT_TRUE(bus.wait_idle(5s));
  EXPECT_EQ(channels.members("lobby"), (std::vector<std::string>{"u1", "u2"}));
  bus.publish(protocol::kSessionClosed, protocol::encode(protocol::SessionEvent{"s9", "u1", "gw-2"}));
  ASSERT_TRUE(bus.wait_idle(5s));
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

// A gateway re-announcing its sessions' channels after the directory lost them (presence.resync)
// joins quietly: the members hear nothing of it.
TEST_F(Channels, AQuietRejoinTellsNobody) {
  auto sub = record("lobby");
  bus.publish(protocol::kChannelsJoin, R"({"channel":"lobby","user_id":"u1","sid":"s1","quiet":true})");
  ASSERT_TRUE(bus.wait_idle(5s));
  EXPECT_EQ(channels.members("lobby"), std::vector<std::string>{"u1"});
  join(bus, "lobby", "u2", "s2");
  ASSERT_TRUE(bus.wait_idle(5s));
  std::lock_guard lock(mu);
  ASSERT_EQ(events.size(), 1u);  // u2's join only
  EXPECT_NE(events[0].find("u2"), std::string::npos);
}

// Events the directory could not take wait, in order, and new ones wait behind them; drain hands
// them over once it answers; past its bound the oldest go (counted).
TEST(SessionsBacklog, KeepsEventsInOrderUntilTheDirectoryAnswers) {
  metrics::Registry registry;
  Backlog backlog(registry, 3);
  bool up = false;
  std::vector<int> applied;
  auto event = [&](int n) {
    return [&, n] {
      if (!up) throw std::runtime_error("redis is down");
      applied.push_back(n);
    };
  };
  backlog.run(event(1));
  up = true;
  backlog.run(event(2));  // waits behind 1, although the directory answers now
  EXPECT_TRUE(applied.empty());
  up = false;
  EXPECT_FALSE(backlog.drain());
  backlog.run(event(3));
  backlog.run(event(4));  // the bound: 1 goes
  EXPECT_EQ(backlog.size(), 3u);
  up = true;
  EXPECT_TRUE(backlog.drain());
  EXPECT_EQ(applied, (std::vector<int>{2, 3, 4}));
  backlog.run(event(5));
  EXPECT_EQ(applied.back(), 5);
  EXPECT_NE(registry.render().find("sessions_backlog_dropped_total 1"), std::string::npos);
  EXPECT_NE(registry.render().find("sessions_backlog_events 0"), std::string::npos);
}

}  // namespace
}  // namespace arena::sessions
