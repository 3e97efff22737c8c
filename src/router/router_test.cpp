#include "arena/router/router.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <mutex>

#include "arena/bus/memory_bus.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"

namespace arena::router {
namespace {

using namespace std::chrono_literals;

struct Recorder {
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> got;  // subject, data
  bus::Handler handler() {
    return [this](const bus::Message& m) {
      std::lock_guard lock(mu);
      got.emplace_back(m.subject, m.data);
    };
  }
};

TEST(Router, PushesAreOneBusMessagePerUserOrChannelWithTheBodySerialisedOnce) {
  bus::MemoryBus bus;
  Recorder rec;
  auto s = bus.subscribe("route.>", rec.handler());
  Router router(bus);
  router.to_user("u1", "dm.message", {{"from", "u2"}});
  router.to_users({"u1", "u3"}, "party.updated", {{"party_id", "p"}});
  router.to_channel("lobby", "channel.message", {{"body", "hi"}});
  router.close_other_sessions("u1", "sid-7");
  ASSERT_TRUE(bus.wait_idle(5s));
  std::lock_guard lock(rec.mu);
  ASSERT_EQ(rec.got.size(), 5u);
  EXPECT_EQ(rec.got[0].first, "route.user.u1");
  EXPECT_EQ(rec.got[1].first, "route.user.u1");
  EXPECT_EQ(rec.got[2].first, "route.user.u3");
  EXPECT_EQ(rec.got[1].second, rec.got[2].second);  // the same bytes for every user
  EXPECT_EQ(rec.got[3].first, "route.channel.lobby");
  for (int i = 0; i < 4; ++i) {
    auto p = protocol::decode<protocol::RoutePayload>(rec.got[static_cast<std::size_t>(i)].second);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, protocol::RoutePayload::Kind::push);
    // A frame body after `{"seq":N,`: prefixing "{" makes it a JSON object with op and d.
    auto frame = boost::json::parse("{" + std::string(p->text)).as_object();
    EXPECT_TRUE(frame.contains("op"));
    EXPECT_TRUE(frame.contains("d"));
  }
  auto kick = protocol::decode<protocol::RoutePayload>(rec.got[4].second);
  ASSERT_TRUE(kick);
  EXPECT_EQ(kick->kind, protocol::RoutePayload::Kind::kick);
  EXPECT_EQ(kick->text, "sid-7");
  // Each message has an id of its own (time-ordered), shared by the users of one to_users call.
  auto id = [&](std::size_t i) { return std::string(protocol::decode<protocol::RoutePayload>(rec.got[i].second)->id); };
  EXPECT_NE(id(0), id(1));
  EXPECT_EQ(id(1), id(2));
  EXPECT_LT(id(2), id(3));
  EXPECT_LT(id(3), id(4));
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(std::abs(protocol::route_id_ms(id(4)) - now_ms), 60'000);
}

TEST(Router, PushBodyEscapesTheOpAndKeepsTheDataAsJson) {
  const std::string body = push_body("a\"b", {{"x", 1}});
  EXPECT_EQ(body, R"("op":"a\"b","d":{"x":1}})");
}

}  // namespace
}  // namespace arena::router
