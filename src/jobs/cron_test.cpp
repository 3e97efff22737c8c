#include "arena/jobs/cron.hpp"

#include <gtest/gtest.h>

namespace arena::jobs {
namespace {

// 2026-12-02 17:37:20 UTC (a Wednesday), in unix ms.
constexpr std::int64_t kWed = 1'796'233'040'000;
constexpr std::int64_t kMin = 60'000, kHour = 60 * kMin, kDay = 24 * kHour;

TEST(Cron, NextRunOfCommonSchedules) {
  const std::int64_t hour_start = kWed - (kWed % kHour);               // 17:00
  EXPECT_EQ(Cron::parse("0 * * * *").next(kWed), hour_start + kHour);  // 18:00
  EXPECT_EQ(Cron::parse("@hourly").next(kWed), hour_start + kHour);
  EXPECT_EQ(Cron::parse("* * * * *").next(kWed), kWed - (kWed % kMin) + kMin);  // the next minute
  EXPECT_EQ(Cron::parse("*/15 * * * *").next(kWed), hour_start + 45 * kMin);    // 17:45
  const std::int64_t midnight = kWed - (kWed % kDay);
  EXPECT_EQ(Cron::parse("@daily").next(kWed), midnight + kDay);
  EXPECT_EQ(Cron::parse("30 3 * * *").next(kWed), midnight + kDay + 3 * kHour + 30 * kMin);
  // Sunday 2026-12-06 00:00, by weekday 0 and by 7.
  EXPECT_EQ(Cron::parse("0 0 * * 0").next(kWed), midnight + 4 * kDay);
  EXPECT_EQ(Cron::parse("0 0 * * 7").next(kWed), midnight + 4 * kDay);
  // The first of the month at 00:00: 2027-01-01 (across a year end).
  EXPECT_EQ(Cron::parse("@monthly").next(kWed), 1'798'761'600'000);
  // 2028-02-29 exists (a leap year); February 30 never does.
  EXPECT_EQ(Cron::parse("0 12 29 2 *").next(kWed), 1'835'438'400'000);
  EXPECT_FALSE(Cron::parse("0 0 30 2 *").next(kWed).has_value());
  // Both day fields restricted: either matches (the 1st, or a Friday: Friday 2026-12-04).
  EXPECT_EQ(Cron::parse("0 0 1 * 5").next(kWed), midnight + 2 * kDay);
  // Strictly after: at 18:00 exactly, the next hourly run is 19:00.
  EXPECT_EQ(Cron::parse("0 * * * *").next(hour_start + kHour), hour_start + 2 * kHour);
  EXPECT_EQ(Cron::parse("5,10-12 9 * * 1-5").next(kWed), midnight + kDay + 9 * kHour + 5 * kMin);  // Thursday 09:05
}

TEST(Cron, BadExpressionsNameTheField) {
  auto message = [](const char* e) {
    try {
      Cron::parse(e);
    } catch (const std::invalid_argument& x) {
      return std::string(x.what());
    }
    return std::string("parsed");
  };
  EXPECT_NE(message("61 * * * *").find("minute"), std::string::npos);
  EXPECT_NE(message("0 24 * * *").find("hour"), std::string::npos);
  EXPECT_NE(message("0 0 0 * *").find("day of month"), std::string::npos);
  EXPECT_NE(message("0 0 * 13 *").find("month"), std::string::npos);
  EXPECT_NE(message("0 0 * * 8").find("day of week"), std::string::npos);
  EXPECT_NE(message("*/0 * * * *").find("step"), std::string::npos);
  EXPECT_NE(message("0 * * *").find("five fields"), std::string::npos);
  EXPECT_NE(message("a * * * *").find("not a number"), std::string::npos);
  EXPECT_NE(message("5-1 * * * *").find("outside"), std::string::npos);
}

}  // namespace
}  // namespace arena::jobs
