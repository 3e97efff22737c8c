// Boards from settings, season names and boundaries, and what each operator makes of a write.
#include "arena/leaderboards/boards.hpp"

#include <gtest/gtest.h>

namespace arena::leaderboards {
namespace {

// 2026-11-15 12:34 UTC
constexpr std::int64_t kNov15 = 1'794'746'040'000;

std::int64_t at(int y, int mo, int d, int h = 0, int mi = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

Board board_with(const std::string& season, Operator op = Operator::best, Order order = Order::desc) {
  Board b;
  b.id = "b";
  b.op = op;
  b.order = order;
  if (!season.empty()) b.season = jobs::Cron::parse(season);
  return b;
}

TEST(Seasons, NamesFollowTheSchedule) {
  ASSERT_EQ(at(2026, 11, 15, 12, 34), kNov15);
  const auto monthly = season_at(board_with("0 0 1 * *"), kNov15);
  EXPECT_EQ(monthly.id, "2026-11");
  EXPECT_EQ(monthly.starts_at, at(2026, 11, 1));
  EXPECT_EQ(monthly.ends_at, at(2026, 12, 1));
  EXPECT_EQ(season_at(board_with("0 0 * * 1"), kNov15).id, "2026-11-09");  // weekly, Mondays
  EXPECT_EQ(season_at(board_with("@daily"), kNov15).id, "2026-11-15");
  EXPECT_EQ(season_at(board_with("0 */6 * * *"), kNov15).id, "2026-11-15T12:00");
  EXPECT_EQ(season_at(board_with("0 0 1 1 *"), kNov15).id, "2026");
  EXPECT_EQ(season_at(board_with(""), kNov15).id, "all");
  // The very minute a season starts belongs to it; the minute before to the one before.
  EXPECT_EQ(season_at(board_with("0 0 1 * *"), at(2026, 12, 1)).id, "2026-12");
  EXPECT_EQ(season_at(board_with("0 0 1 * *"), at(2026, 12, 1) - 1).id, "2026-11");
}

TEST(Seasons, PlausibleNames) {
  const auto monthly = board_with("0 0 1 * *");
  EXPECT_TRUE(plausible_season(monthly, "2026-11"));
  EXPECT_TRUE(plausible_season(monthly, "2026-11-30T14:00"));
  EXPECT_FALSE(plausible_season(monthly, "2026-1"));
  EXPECT_FALSE(plausible_season(monthly, "x026-11"));
  EXPECT_FALSE(plausible_season(monthly, "2026-11; DROP"));
  EXPECT_TRUE(plausible_season(board_with(""), "all"));
  EXPECT_FALSE(plausible_season(board_with(""), "2026-11"));
}

TEST(Operators, EachCombinesAWriteWithTheEntry) {
  const Score s10{10, 1}, s7{7, 5};
  EXPECT_EQ(combine(board_with("", Operator::best), s10, s7).score, 10);
  EXPECT_EQ(combine(board_with("", Operator::best, Order::asc), s10, s7).score, 7);  // lowest is best
  EXPECT_EQ(combine(board_with("", Operator::best), std::nullopt, s7).score, 7);
  EXPECT_EQ(combine(board_with("", Operator::set), s10, s7).score, 7);
  const auto inc = combine(board_with("", Operator::increment), s10, s7);
  EXPECT_EQ(inc.score, 17);
  EXPECT_EQ(inc.subscore, 6);
  EXPECT_EQ(combine(board_with("", Operator::decrement), s10, s7).score, 3);
  EXPECT_EQ(combine(board_with("", Operator::decrement), s7, s10).score, 0);  // never below zero
  // best with a tie on score: the subscore decides.
  EXPECT_EQ(combine(board_with("", Operator::best), Score{10, 1}, Score{10, 2}).subscore, 2);
  EXPECT_EQ(combine(board_with("", Operator::best), Score{10, 2}, Score{10, 1}).subscore, 2);
}

TEST(Config, RatingBoardsPerModeAndScoreBoardsFromTables) {
  const std::vector<ModeInfo> modes{{"duel", {"eu", "us"}}, {"tag", {"eu"}}};
  const auto boards = configured_boards({{"duel", {{"season", "0 0 1 * *"}}},
                                         {"tag_best", {{"mode", "tag"}, {"stat", "score"}, {"subscore", "tags"}}},
                                         {"coins", {{"operator", "increment"}, {"order", "asc"}}}},
                                        modes);
  ASSERT_EQ(boards.size(), 4u);
  EXPECT_TRUE(boards[0].rating);
  EXPECT_TRUE(boards[0].season.has_value());
  EXPECT_FALSE(boards[1].season.has_value());
  EXPECT_EQ(boards[3].id, "tag_best");
  EXPECT_EQ(boards[3].regions, std::vector<std::string>({"eu"}));
  EXPECT_EQ(boards[2].id, "coins");
  EXPECT_EQ(boards[2].op, Operator::increment);
  EXPECT_EQ(boards[2].regions, std::vector<std::string>({"eu", "us"}));

  auto error_of = [&](const std::map<std::string, std::map<std::string, std::string>>& raw) {
    try {
      configured_boards(raw, modes);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of({{"duel", {{"stat", "x"}}}}).find("leaderboards.boards.duel.stat"), std::string::npos);
  EXPECT_NE(error_of({{"x", {{"operator", "max"}}}}).find("leaderboards.boards.x.operator"), std::string::npos);
  EXPECT_NE(error_of({{"x", {{"mode", "nope"}, {"stat", "s"}}}}).find("no mode named"), std::string::npos);
  EXPECT_NE(error_of({{"x", {{"mode", "tag"}}}}).find("go together"), std::string::npos);
  EXPECT_NE(error_of({{"x", {{"season", "61 * * * *"}}}}).find("leaderboards.boards.x.season"), std::string::npos);
  EXPECT_NE(error_of({{"x y", {}}}).find("board id"), std::string::npos);
  EXPECT_NE(error_of({{"x", {{"colour", "red"}}}}).find("unknown key"), std::string::npos);
}

}  // namespace
}  // namespace arena::leaderboards
