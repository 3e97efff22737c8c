// The rating stores' contract: a match changes its players' ratings once, every number reads
// back as it was written, and the displayed ratings are served per mode and per player.
#include "store_conformance.hpp"

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
  const auto all = store->displayed_all("a");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all.at("squads"), of(squads, "a")->after.display);
  EXPECT_EQ(store->load({"c"}, "squads").at("c").model, Model::weng_lin);
  EXPECT_TRUE(store->displayed_all("nobody").empty());
}

}  // namespace
}  // namespace arena::ratings::testing
