#include "arena/protocol/messages.hpp"

#include <gtest/gtest.h>

namespace arena::protocol {
namespace {

TEST(Messages, SessionAndPresenceEventsRoundTripAndRefuseMissingOrBadFields) {
  const SessionEvent e{"s-1", "u-1", "gw-1"};
  auto back = decode<SessionEvent>(encode(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->sid, "s-1");
  EXPECT_EQ(back->user_id, "u-1");
  EXPECT_EQ(back->node, "gw-1");
  for (const char* bad : {"", "[]", "nope", R"({"sid":"s","user_id":"u"})", R"({"sid":"a.b","user_id":"u","node":"n"})",
                          R"({"sid":1,"user_id":"u","node":"n"})"})
    EXPECT_FALSE(decode<SessionEvent>(bad)) << bad;

  auto p = decode<PresenceChanged>(encode(PresenceChanged{"u-2", true}));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->online);
  EXPECT_FALSE(decode<PresenceChanged>(R"({"user_id":"u"})"));  // online is required, not false by default
  EXPECT_FALSE(decode<NodeHeartbeat>(R"({"node":"n","sessions":-1})"));
  EXPECT_EQ(decode<NodeHeartbeat>(encode(NodeHeartbeat{"n", 7}))->sessions, 7);
}

TEST(Messages, MatchFoundRoundTripsAndAMissingGameIsRefusedNotDefaulted) {
  MatchFound m;
  m.match_id = "m-1";
  m.mode = "squads";
  m.game = "cycles";
  m.region = "eu";
  m.teams = {{{"a", 1510, 20, "p-1"}, {"b", 1490, 30, "p-1"}}, {{"c", 1500, 25, ""}}};
  m.bots_fill = true;
  m.open_seats = 1;
  m.seats = 4;
  auto back = decode<MatchFound>(encode(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->game, "cycles");
  EXPECT_EQ(back->tick_rate, 0);  // left out: the game's own rate
  ASSERT_EQ(back->teams.size(), 2u);
  EXPECT_EQ(back->teams[0][1].party_id, "p-1");
  EXPECT_EQ(back->teams[1][0].party_id, "");
  EXPECT_EQ(back->teams[0][0].rating, 1510);
  m.tick_rate = 60;
  EXPECT_EQ(decode<MatchFound>(encode(m))->tick_rate, 60);

  EXPECT_FALSE(decode<MatchFound>(
      R"({"match_id":"m","mode":"duel","region":"eu","teams":[],"bots_fill":false,"open_seats":0,"seats":2})"));
  EXPECT_FALSE(decode<MatchFound>(
      R"({"match_id":"m","mode":"duel","game":"cycles","region":"eu","teams":[[{"user_id":"a.b","rating":1,"ping_ms":1}]],"bots_fill":false,"open_seats":0,"seats":2})"));
  EXPECT_FALSE(decode<MatchFound>(
      R"({"match_id":"m","mode":"duel","game":"cycles","region":"eu","teams":[],"bots_fill":false,"open_seats":0,"seats":2,"tick_rate":0})"));
}

TEST(Messages, MatchEndedCarriesTheResultAsWritten) {
  const MatchEnded e{"m-1", "duel", "cycles", R"({"placements":[{"seat":0,"place":1}],"ticks":40})"};
  auto back = decode<MatchEnded>(encode(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->match_id, "m-1");
  EXPECT_EQ(back->result_json, e.result_json);
  EXPECT_FALSE(decode<MatchEnded>(R"({"match_id":"m","mode":"duel","game":"cycles"})"));
}

TEST(Messages, ClientOpsRoundTripAndRefuseWhatIsNotAnOp) {
  const ClientOp op{"match.input", "u1", "s1", boost::json::object{{"turn", "left"}}};
  const auto back = decode<ClientOp>(encode(op));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->op, "match.input");
  EXPECT_EQ(back->user_id, "u1");
  EXPECT_EQ(back->sid, "s1");
  EXPECT_EQ(back->d, op.d);
  const auto bare = decode<ClientOp>(R"({"op":"mm.cancel","user_id":"u2"})");  // no sid, no d
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->sid.empty());
  EXPECT_TRUE(bare->d.is_null());
  EXPECT_EQ(decode<ClientOp>(R"({"op":7,"user_id":"u2"})"), std::nullopt);
  EXPECT_EQ(decode<ClientOp>(R"({"op":"","user_id":"u2"})"), std::nullopt);
  EXPECT_EQ(decode<ClientOp>(R"({"op":"x","user_id":"a.b"})"), std::nullopt);  // not a bus token
  EXPECT_EQ(decode<ClientOp>(R"({"op":"x","user_id":"u2","sid":5})"), std::nullopt);
  EXPECT_EQ(decode<ClientOp>("[]"), std::nullopt);
}

TEST(Messages, ASessionEventOfAMovedSessionNamesTheSidItReplacesAndItsChannels) {
  const auto plain = decode<SessionEvent>(encode(SessionEvent{"s2", "u1", "gw-1"}));
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->replaces.empty());
  const auto moved = decode<SessionEvent>(encode(SessionEvent{"s2", "u1", "gw-2", "s1", {"lobby", "party:p1"}}));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->replaces, "s1");
  EXPECT_EQ(moved->channels, (std::vector<std::string>{"lobby", "party:p1"}));
  for (const char* bad : {R"({"sid":"s","user_id":"u","node":"n","replaces":"s1"})",
                          R"({"sid":"s","user_id":"u","node":"n","replaces":"a.b","channels":[]})",
                          R"({"sid":"s","user_id":"u","node":"n","replaces":"s1","channels":["a b"]})",
                          R"({"sid":"s","user_id":"u","node":"n","replaces":"s1","channels":[7]})"})
    EXPECT_FALSE(decode<SessionEvent>(bad)) << bad;
}

TEST(Messages, RoutePayloadsHaveATypedKindAndAnId) {
  const std::string id = "0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b";
  const std::string push = encode(RoutePayload::Kind::push, id, R"("op":"x","d":{}})");
  auto p = decode<RoutePayload>(push);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, RoutePayload::Kind::push);
  EXPECT_EQ(p->id, id);
  EXPECT_EQ(p->text, R"("op":"x","d":{}})");
  const std::string kick = encode(RoutePayload::Kind::kick, id, "sid-9");
  auto k = decode<RoutePayload>(kick);  // views into `kick`
  ASSERT_TRUE(k);
  EXPECT_EQ(k->kind, RoutePayload::Kind::kick);
  EXPECT_EQ(k->text, "sid-9");
  EXPECT_EQ(route_id_ms(id), 0x0190a5b41c2d);
  EXPECT_FALSE(decode<RoutePayload>(""));
  EXPECT_FALSE(decode<RoutePayload>("Xwhatever"));
  EXPECT_FALSE(decode<RoutePayload>("P" + id.substr(0, 35)));                // too short for an id
  EXPECT_FALSE(decode<RoutePayload>("Pnot-an-id-at-all-but-36-characters!!x"));  // no UUID
}

}  // namespace
}  // namespace arena::protocol
