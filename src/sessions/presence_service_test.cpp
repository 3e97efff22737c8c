#include "arena/sessions/presence_service.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "arena/bus/memory_bus.hpp"
#include "arena/protocol/subjects.hpp"

namespace arena::sessions {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

void open(bus::Bus& bus, const std::string& sid, const std::string& user, const std::string& node) {
  bus.publish(protocol::kSessionOpened, json::serialize(json::object{{"sid", sid}, {"user_id", user}, {"node", node}}));
}

// A presence service on an in-process bus, with a clock the test moves.
struct Presence : ::testing::Test {
  bus::MemoryBus bus;
  core::FakeClock clock;
  runtime::Timers timers{clock};
  MemoryDirectory directory;
  metrics::Registry registry;
  Backlog backlog{registry};
  PresenceService presence{bus, clock, timers, directory, backlog};
};

}  // namespace

TEST_F(Presence, TracksSessionsAndAnnouncesOnlineAndOffline) {
  std::vector<std::string> changes;
  auto sub = bus.subscribe("presence.changed.*", [&](const bus::Message& m) { changes.emplace_back(m.data); });
  open(bus, "s1", "u1", "gw-1");
  open(bus, "s2", "u1", "gw-2");
  ASSERT_TRUE(bus.wait_idle(5s));
  EXPECT_EQ(presence.lookup("u1").size(), 2u);
  bus.publish(protocol::kSessionClosed, R"({"sid":"s1","user_id":"u1","node":"gw-1"})");
  bus.publish(protocol::kSessionClosed, R"({"sid":"s2","user_id":"u1","node":"gw-2"})");
  ASSERT_TRUE(bus.wait_idle(5s));
  EXPECT_TRUE(presence.lookup("u1").empty());
  ASSERT_EQ(changes.size(), 2u);  // online once, offline once
  EXPECT_NE(changes[0].find("true"), std::string::npos);
  EXPECT_NE(changes[1].find("false"), std::string::npos);
}

TEST_F(Presence, ASessionMovedToAnotherGatewayNeverTakesItsUserOffline) {
  std::vector<std::string> changes;
  auto sub = bus.subscribe("presence.changed.*", [&](const bus::Message& m) { changes.emplace_back(m.data); });
  open(bus, "s1", "u1", "gw-1");
  ASSERT_TRUE(bus.wait_idle(5s));
  bus.publish(protocol::kSessionOpened,
              R"({"sid":"s2","user_id":"u1","node":"gw-2","replaces":"s1","channels":[]})");
  ASSERT_TRUE(bus.wait_idle(5s));
  const auto where = presence.lookup("u1");
  ASSERT_EQ(where.size(), 1u);
  EXPECT_EQ(where[0].sid, "s2");
  EXPECT_EQ(where[0].node, "gw-2");
  EXPECT_EQ(changes.size(), 1u);  // online once; never offline on the way
}

TEST_F(Presence, IgnoresMalformedEvents) {
  for (const char* bad : {"", "nope", "[]", R"({"sid":1})", R"({"sid":"a.b","user_id":"u","node":"n"})"})
    bus.publish(protocol::kSessionOpened, bad);
  auto r = bus.request_sync(protocol::kPresenceQuery, R"({"users":"u"})", 1s);
  EXPECT_NE(r.data.find("invalid_field"), std::string::npos);
}

TEST_F(Presence, ASilentNodesSessionsAreClosedForIt) {
  std::vector<std::string> closed;
  auto sub = bus.subscribe(protocol::kSessionClosed, [&](const bus::Message& m) { closed.emplace_back(m.data); });
  open(bus, "s1", "u1", "gw-dead");
  bus.publish(protocol::kNodeHeartbeat, R"({"node":"gw-dead","sessions":1})");
  ASSERT_TRUE(bus.wait_idle(5s));
  clock.advance(protocol::kNodeTimeout - 1s);  // the check runs; the node was heard from in time
  timers.wait_idle();
  ASSERT_TRUE(bus.wait_idle(5s));
  EXPECT_TRUE(closed.empty());
  EXPECT_EQ(presence.lookup("u1").size(), 1u);
  clock.advance(1s);  // then silence reaches the timeout
  timers.wait_idle();
  ASSERT_TRUE(bus.wait_idle(5s));
  EXPECT_TRUE(presence.lookup("u1").empty());
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_NE(closed[0].find("\"sid\":\"s1\""), std::string::npos);
}

}  // namespace arena::sessions
