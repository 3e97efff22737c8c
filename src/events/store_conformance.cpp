#include "store_conformance.hpp"

#include <boost/json/parse.hpp>

namespace arena::events::testing {
namespace {

Event event(int i, std::string type = "auth.login", std::string user = "u") {
  char id[37];
  std::snprintf(id, sizeof id, "0190f5a0-0000-7000-8000-%012d", i);
  return Event{id, std::move(type), 1000 + i, "n", std::move(user), i % 2 ? "m1" : "", "duel", "",
               "{\"i\":" + std::to_string(i) + "}"};
}

TEST_P(EventStoreConformance, AnEventDeliveredAgainIsOneRow) {
  EXPECT_EQ(store().write({event(1), event(2)}), 2);
  EXPECT_EQ(store().write({event(2), event(3)}), 1);
  const auto rows = store().query({});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].id, event(2).id);
  EXPECT_EQ(rows[1].match_id, "");
  EXPECT_EQ(rows[0].match_id, "m1");
  EXPECT_EQ(rows[0].mode, "duel");
  EXPECT_EQ(rows[0].region, "");
  EXPECT_EQ(rows[0].time_ms, 1001);
  EXPECT_EQ(boost::json::parse(rows[0].data), boost::json::parse(R"({"i":1})"));  // PostgreSQL's jsonb re-spaces
}

TEST_P(EventStoreConformance, QueriesFilterAndPageByCursor) {
  std::vector<Event> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(event(i, i % 5 == 0 ? "mm.queued" : "auth.login", i % 2 ? "a" : "b"));
  EXPECT_EQ(store().write(batch), 50);
  EXPECT_EQ(store().query({.type = "mm.queued"}).size(), 10u);
  EXPECT_EQ(store().query({.user_id = "a"}).size(), 25u);
  EXPECT_EQ(store().query({.match_id = "m1"}).size(), 25u);
  EXPECT_EQ(store().query({.since_ms = 1010, .until_ms = 1020}).size(), 10u);
  EXPECT_EQ(store().query({.type = "mm.queued", .user_id = "b", .since_ms = 1020}).size(), 3u);  // 20, 30, 40
  std::vector<std::string> ids;
  std::string after;
  for (;;) {
    auto page = store().query({.after_id = after, .limit = 7});
    if (page.empty()) break;
    for (const auto& e : page) ids.push_back(e.id);
    after = page.back().id;
  }
  ASSERT_EQ(ids.size(), 50u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

TEST_P(EventStoreConformance, DeadLettersKeepTheBytesAsTheyCame) {
  const std::string raw("\x00\xff{not json\x01", 12);
  store().dead_letter({{5, "malformed_json", "expected a value", raw}, {6, "unknown_type", "x.y", "{}"}});
  const auto dead = store().dead_letters(10);
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[1].body, raw);  // newest first
  EXPECT_EQ(dead[1].reason, "malformed_json");
  EXPECT_EQ(dead[1].detail, "expected a value");
  EXPECT_EQ(dead[0].time_ms, 6);
}

}  // namespace
}  // namespace arena::events::testing
