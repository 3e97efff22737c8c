// The rating stores' contract: a match changes its players' ratings once, every number reads
// back as it was written, the displayed ratings are served per mode and per player, history
// tells each match's change, and concurrent read-rate-apply transactions lose no update.
#include "store_conformance.hpp"

#include <thread>

namespace arena::ratings::testing {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

const Change* of(const std::vector<Change>& cs, const std::string& user) {
  return change_of(cs, user);
}

TEST_P(RatingStoreConformance, AMatchIsAppliedOnceAndEveryNumberReadsBack) {
  const auto cs = rate_match("duel", Model::glicko2, {{"a", false, 0, 1}, {"b", false, 1, 2}}, {}, kNow);
  EXPECT_TRUE(store->apply("m1", cs, kNow));
  EXPECT_FALSE(store->apply("m1", cs, kNow));  // the same match again: nothing
  const auto loaded = store->load({"a", "b", "nobody"}, "duel");
  ASSERT_EQ(loaded.size(), 2u);
  const auto& a = loaded.at("a");
  const auto& want = of(cs, "a")->after;
  EXPECT_EQ(a.model, Model::glicko2);
  EXPECT_EQ(a.rating, want.rating);  // exactly: doubles round-trip
  EXPECT_EQ(a.deviation, want.deviation);
  EXPECT_EQ(a.volatility, want.volatility);
  EXPECT_EQ(a.display, want.display);
  EXPECT_EQ(a.games, 1);
  EXPECT_EQ(a.wins, 1);
  EXPECT_EQ(loaded.at("b").losses, 1);
  EXPECT_EQ(a.last_played, kNow);
  // A second match builds on the first.
  const auto next = rate_match("duel", Model::glicko2, {{"a", false, 0, 2}, {"b", false, 1, 1}}, loaded, kNow + 1000);
  EXPECT_TRUE(store->apply("m2", next, kNow + 1000));
  EXPECT_EQ(store->load({"a"}, "duel").at("a").games, 2);
}

// apply_all() writes as apply() of each match in order: a player's latest rating, every
// match's history; and with one match applied before, nothing of the call is kept.
TEST_P(RatingStoreConformance, SeveralMatchesAppliedTogetherEndAsAppliedOneAfterAnother) {
  const auto first = rate_match("duel", Model::glicko2, {{"a", false, 0, 1}, {"b", false, 1, 2}}, {}, kNow);
  std::map<std::string, PlayerRating> after_first;
  for (const auto& ch : first) after_first[ch.after.user_id] = ch.after;
  const auto second =
      rate_match("duel", Model::glicko2, {{"a", false, 0, 2}, {"c", false, 1, 1}}, after_first, kNow + 1);
  EXPECT_TRUE(store->apply_all({{"m1", first}, {"m2", second}}, kNow + 1));
  const auto loaded = store->load({"a", "b", "c"}, "duel");
  ASSERT_EQ(loaded.size(), 3u);
  EXPECT_EQ(loaded.at("a").rating, of(second, "a")->after.rating);
  EXPECT_EQ(loaded.at("a").games, 2);
  EXPECT_EQ(loaded.at("b").rating, of(first, "b")->after.rating);
  const auto history = store->history_of("a", {"m1", "m2"});
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history.at("m1").outcome, "win");
  EXPECT_EQ(history.at("m2").outcome, "loss");
  EXPECT_EQ(history.at("m2").before, of(first, "a")->after.display);

  const auto third = rate_match("duel", Model::glicko2, {{"b", false, 0, 1}, {"c", false, 1, 2}}, loaded, kNow + 2);
  EXPECT_FALSE(store->apply_all({{"m3", third}, {"m2", second}}, kNow + 2));  // m2 was applied
  EXPECT_EQ(store->load({"b"}, "duel").at("b").games, 1);                     // m3 was not written
  EXPECT_TRUE(store->history_of("b", {"m3"}).empty());
  EXPECT_TRUE(store->apply_all({}, kNow + 2));
}

TEST_P(RatingStoreConformance, ManyPlayersLoadAtOnce) {
  std::vector<std::string> users;
  std::vector<RatedSeat> seats;
  for (int i = 0; i < 150; ++i) {
    users.push_back("p" + std::to_string(i));
    seats.push_back({users.back(), false, i, i + 1});
  }
  ASSERT_TRUE(store->apply("ffa", rate_match("ffa", Model::weng_lin, seats, {}, kNow), kNow));
  users.push_back("nobody");
  const auto loaded = store->load(users, "ffa");
  EXPECT_EQ(loaded.size(), 150u);
  EXPECT_EQ(loaded.at("p149").losses, 1);
  EXPECT_EQ(loaded.at("p0").wins, 1);
}

TEST_P(RatingStoreConformance, DisplayedRatingsArePerModeAndPerPlayer) {
  const auto duel = rate_match("duel", Model::glicko2, {{"a", false, 0, 1}, {"b", false, 1, 2}}, {}, kNow);
  const auto squads =
      rate_match("squads", Model::weng_lin,
                 {{"a", false, 0, 1}, {"c", false, 0, 1}, {"d", false, 1, 2}, {"e", false, 1, 2}}, {}, kNow);
  ASSERT_TRUE(store->apply("m-duel", duel, kNow));
  ASSERT_TRUE(store->apply("m-squads", squads, kNow));
  EXPECT_EQ(store->displayed_of({"b"}, "duel").at("b"), of(duel, "b")->after.display);
  EXPECT_TRUE(store->displayed_of({"b"}, "squads").empty());
  EXPECT_TRUE(store->displayed_of({}, "duel").empty());
  const auto all = store->all_of("a");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].mode, "duel");  // by mode
  EXPECT_EQ(all[1].mode, "squads");
  EXPECT_EQ(all[1].display, of(squads, "a")->after.display);
  EXPECT_EQ(all[1].model, Model::weng_lin);
  EXPECT_EQ(all[0].wins, 1);
  EXPECT_EQ(store->load({"c"}, "squads").at("c").model, Model::weng_lin);
  EXPECT_TRUE(store->all_of("nobody").empty());
}

TEST_P(RatingStoreConformance, HistoryTellsWhatEachMatchDidToAPlayer) {
  const auto m1 = rate_match("duel", Model::glicko2, {{"a", false, 0, 1}, {"b", false, 1, 2}}, {}, kNow);
  ASSERT_TRUE(store->apply("m1", m1, kNow));
  const auto m2 = rate_match("duel", Model::glicko2, {{"a", false, 0, 2}, {"b", false, 1, 1}},
                             store->load({"a", "b"}, "duel"), kNow + 1);
  ASSERT_TRUE(store->apply("m2", m2, kNow + 1));
  const auto h = store->history_of("a", {"m1", "m2", "m-unrated"});
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h.at("m1").outcome, "win");
  EXPECT_EQ(h.at("m1").place, 1);
  EXPECT_EQ(h.at("m1").before, of(m1, "a")->before);
  EXPECT_EQ(h.at("m1").after, of(m1, "a")->after.display);
  EXPECT_EQ(h.at("m2").outcome, "loss");
  EXPECT_EQ(h.at("m2").before, h.at("m1").after);
  EXPECT_TRUE(store->history_of("a", {}).empty());
  EXPECT_TRUE(store->history_of("nobody", {"m1"}).empty());
}

// What a worker's rating jobs do, from several threads at once (several workers on PostgreSQL):
// load, rate and apply inside one transaction. Every match counts: none read a rating another
// was about to replace, also for a player's very first matches (no row to lock yet).
TEST_P(RatingStoreConformance, ConcurrentReadRateApplyLosesNoUpdate) {
  constexpr int kThreads = 3, kEach = 15;
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t)
    workers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "m" + std::to_string(t) + "-" + std::to_string(i);
        const std::string rival = "r" + std::to_string(t);
        made.in_transaction([&] {
          const auto current = store->load({"a", rival}, "duel");
          store->apply(
              id, rate_match("duel", Model::glicko2, {{"a", false, 0, 1}, {rival, false, 1, 2}}, current, kNow), kNow);
        });
      }
    });
  for (auto& w : workers) w.join();
  const auto a = store->load({"a"}, "duel").at("a");
  EXPECT_EQ(a.games, kThreads * kEach);
  EXPECT_EQ(a.wins, kThreads * kEach);
}

}  // namespace
}  // namespace arena::ratings::testing
