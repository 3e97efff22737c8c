#include "store_conformance.hpp"

#include <boost/json/parse.hpp>

#include <atomic>
#include <barrier>
#include <map>
#include <thread>

namespace arena::events::testing {
namespace {

Event event(int i, std::string type = "auth.login", std::string user = "u") {
  char id[37];
  std::snprintf(id, sizeof id, "0190f5a0-0000-7000-8000-%012d", i);
  return Event{id,
               std::move(type),
               1000 + i,
               "n",
               std::move(user),
               i % 2 ? "m1" : "",
               "duel",
               "",
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

TEST_P(EventStoreConformance, BatchesWrittenAtOnceThatShareEventsStoreEachOnce) {
  // The consumer's writers: two batches at a time, and a redelivered event may sit in both, in
  // any order. Neither may fail (a deadlock between the two would), and each event is one row.
  constexpr int kRounds = 20, kEvents = 200;
  std::atomic<int> written{0};
  std::barrier round(2);  // both write the same events in each round, at the same time
  auto writer = [&](bool reversed) {
    for (int r = 0; r < kRounds; ++r) {
      round.arrive_and_wait();
      std::vector<Event> batch;
      for (int i = 0; i < kEvents; ++i) batch.push_back(event(r * kEvents + (reversed ? kEvents - 1 - i : i)));
      try {
        written += store().write(batch);
      } catch (const std::exception& ex) {
        ADD_FAILURE() << ex.what();
      }
    }
  };
  std::thread a(writer, false), b(writer, true);
  a.join();
  b.join();
  EXPECT_EQ(written.load(), kRounds * kEvents);
  EXPECT_EQ(store().query({.limit = 10 * kRounds * kEvents}).size(), static_cast<std::size_t>(kRounds * kEvents));
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

Event at(int i, std::int64_t time_ms, std::string type, std::string data, std::string mode = "duel",
         std::string region = "eu") {
  Event e = event(i, std::move(type));
  e.time_ms = time_ms;
  e.mode = std::move(mode);
  e.region = std::move(region);
  e.data = std::move(data);
  return e;
}

TEST_P(EventStoreConformance, AnHourRollsUpIntoCountsAndMedianWaits) {
  const std::int64_t hour = 1'800'000'000'000 / kHourMs * kHourMs;
  store().write({at(1, hour, "auth.login", R"({"method":"guest","new_account":true})"),
                 at(2, hour + 10, "auth.login", R"({"method":"guest","new_account":false})"),
                 at(3, hour + 20, "auth.login", R"({"method":"device","new_account":true})"),
                 at(4, hour + 30, "match.ended", R"({"game":"four"})"),
                 at(5, hour + 40, "match.ended", R"({"game":"four"})", "squads"),
                 at(6, hour + 50, "match.player_left", R"({"seat":1})"),
                 at(7, hour + 60, "mm.matched", R"({"waits_s":[1.5, 4]})"),
                 at(8, hour + 70, "mm.matched", R"({"waits_s":[2]})"),
                 at(9, hour + 80, "mm.matched", R"({"waits_s":"not a list"})", "duel", "us"),
                 at(10, hour + kHourMs, "auth.login", R"({"method":"guest"})")});  // the next hour
  store().roll_up(hour);
  std::map<std::string, double> got;
  for (const auto& s : store().hourly("", hour, 100)) {
    EXPECT_EQ(s.hour_ms, hour);
    got[s.metric + " " + s.key] = s.value;
  }
  EXPECT_EQ(got, (std::map<std::string, double>{{"early_leavers duel", 1},
                                                {"events auth.login", 3},
                                                {"events match.ended", 2},
                                                {"events match.player_left", 1},
                                                {"events mm.matched", 3},
                                                {"logins device", 1},
                                                {"logins guest", 2},
                                                {"matches duel", 1},
                                                {"matches squads", 1},
                                                {"queue_wait_median_s duel/eu", 2}}));
  EXPECT_EQ(store().last_rolled_hour(), hour);
  // A late event and the hour rolled up again: replaced, not added to.
  store().write({at(11, hour + 90, "auth.login", R"({"method":"device"})")});
  store().roll_up(hour);
  const auto logins = store().hourly("logins", hour, 100);
  ASSERT_EQ(logins.size(), 2u);
  EXPECT_EQ(logins[0].key, "device");
  EXPECT_EQ(logins[0].value, 2);
  EXPECT_TRUE(store().hourly("logins", hour + kHourMs, 100).empty());
  EXPECT_TRUE(known_hourly_metric("queue_wait_median_s"));
  EXPECT_FALSE(known_hourly_metric("wat"));
}

TEST_P(EventStoreConformance, PruningDeletesOnlyWhatIsOlderInBoundedSteps) {
  std::vector<Event> batch;
  for (int i = 0; i < 30; ++i) batch.push_back(event(i));  // times 1000..1029
  store().write(batch);
  store().dead_letter({{1005, "malformed_json", "x", "{"}, {2000, "malformed_json", "y", "{"}});
  EXPECT_EQ(store().prune(1020, 15), 16);  // 15 events (of 20 older) and the older dead letter
  EXPECT_EQ(store().prune(1020, 15), 5);
  EXPECT_EQ(store().prune(1020, 15), 0);
  EXPECT_EQ(store().query({}).size(), 10u);
  EXPECT_EQ(store().dead_letters(10).size(), 1u);
}

}  // namespace
}  // namespace arena::events::testing
