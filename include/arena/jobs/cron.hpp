#pragma once
// Cron expressions for recurring jobs: five fields, minute hour day-of-month month day-of-week,
// in UTC, each `*`, a number, a range `a-b`, a list `a,b`, or a step `*/n` / `a-b/n`;
// day-of-week 0-7 (0 and 7 are Sunday). As in cron, when both day fields are restricted a day
// matching either runs. Also `@hourly`, `@daily`, `@weekly`, `@monthly`.
#include <bitset>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace arena::jobs {

class Cron {
 public:
  // Throws std::invalid_argument naming the field that is wrong.
  static Cron parse(std::string_view expr);
  // The first minute strictly after `after_ms` (unix ms) that matches, as unix ms. Searches up to
  // five years ahead (then nullopt: "30 2 31 2 *" never matches).
  std::optional<std::int64_t> next(std::int64_t after_ms) const;
  const std::string& text() const { return text_; }

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0..6, Sunday 0
  bool any_day_ = true, any_weekday_ = true;
  std::string text_;
};

}  // namespace arena::jobs
