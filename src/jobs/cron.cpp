#include "arena/jobs/cron.hpp"

#include <charconv>
#include <vector>

namespace arena::jobs {
namespace {

struct Civil {
  std::int64_t y;
  unsigned m, d;
};

// Howard Hinnant's civil_from_days / days_from_civil (proleptic Gregorian, day 0 = 1970-01-01).
Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

int number(std::string_view s, const char* field) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    throw std::invalid_argument(std::string("cron ") + field + ": '" + std::string(s) + "' is not a number");
  return v;
}

// One field into `bits` (indices lo..hi); true when it was `*`.
template <std::size_t N>
bool field(std::string_view text, int lo, int hi, std::bitset<N>& bits, const char* name) {
  bool star = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    std::string_view part =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    int step = 1;
    if (const auto slash = part.find('/'); slash != std::string_view::npos) {
      step = number(part.substr(slash + 1), name);
      if (step < 1) throw std::invalid_argument(std::string("cron ") + name + ": a step must be at least 1");
      part = part.substr(0, slash);
    }
    int a = lo, b = hi;
    if (part == "*") {
      star = star || step == 1;
    } else if (const auto dash = part.find('-'); dash != std::string_view::npos) {
      a = number(part.substr(0, dash), name);
      b = number(part.substr(dash + 1), name);
    } else {
      a = b = number(part, name);
      if (step > 1) b = hi;  // "5/15": from 5 on
    }
    if (a < lo || b > hi || a > b)
      throw std::invalid_argument(std::string("cron ") + name + ": '" + std::string(part) + "' is outside " +
                                  std::to_string(lo) + "-" + std::to_string(hi));
    for (int v = a; v <= b; v += step) bits.set(static_cast<std::size_t>(v));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return star;
}

}  // namespace

Cron Cron::parse(std::string_view expr) {
  std::string_view e = expr;
  if (e == "@hourly") e = "0 * * * *";
  if (e == "@daily" || e == "@midnight") e = "0 0 * * *";
  if (e == "@weekly") e = "0 0 * * 0";
  if (e == "@monthly") e = "0 0 1 * *";
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < e.size()) {
    while (i < e.size() && e[i] == ' ') ++i;
    const auto j = e.find(' ', i);
    if (i < e.size()) parts.push_back(e.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    i = j == std::string_view::npos ? e.size() : j;
  }
  if (parts.size() != 5)
    throw std::invalid_argument("cron: '" + std::string(expr) + "' needs five fields: minute hour day month weekday");
  Cron c;
  c.text_ = std::string(expr);
  field(parts[0], 0, 59, c.minutes_, "minute");
  field(parts[1], 0, 23, c.hours_, "hour");
  c.any_day_ = field(parts[2], 1, 31, c.days_, "day of month");
  field(parts[3], 1, 12, c.months_, "month");
  std::bitset<8> wd;
  c.any_weekday_ = field(parts[4], 0, 7, wd, "day of week");
  for (std::size_t d = 0; d < 7; ++d) c.weekdays_[d] = wd[d];
  if (wd[7]) c.weekdays_.set(0);  // 7 is Sunday too
  return c;
}

std::optional<std::int64_t> Cron::next(std::int64_t after_ms) const {
  constexpr std::int64_t kMinute = 60'000, kHour = 60 * kMinute, kDay = 24 * kHour;
  std::int64_t t = (after_ms >= 0 ? after_ms / kMinute : (after_ms - kMinute + 1) / kMinute) * kMinute + kMinute;
  const std::int64_t limit = after_ms + std::int64_t{5} * 366 * kDay;
  while (t < limit) {
    const std::int64_t days = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
    const Civil c = civil_from_days(days);
    const std::int64_t in_day = t - days * kDay;
    if (!months_[c.m]) {  // to the first of the next month
      t = days_from_civil(c.m == 12 ? c.y + 1 : c.y, c.m == 12 ? 1 : c.m + 1, 1) * kDay;
      continue;
    }
    const auto weekday = static_cast<std::size_t>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
    const bool dom = days_[c.d], dow = weekdays_[weekday];
    const bool day_ok = any_day_ && any_weekday_ ? true : any_day_ ? dow : any_weekday_ ? dom : (dom || dow);
    if (!day_ok) {
      t = (days + 1) * kDay;
      continue;
    }
    const auto hour = static_cast<std::size_t>(in_day / kHour);
    if (!hours_[hour]) {
      t = days * kDay + static_cast<std::int64_t>(hour + 1) * kHour;
      continue;
    }
    const auto minute = static_cast<std::size_t>((in_day % kHour) / kMinute);
    if (!minutes_[minute]) {
      t += kMinute;
      continue;
    }
    return t;
  }
  return std::nullopt;
}

}  // namespace arena::jobs
