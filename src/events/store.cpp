// What every EventStore shares: the hourly roll-ups made from its feeds.
#include <algorithm>
#include <array>
#include <map>

#include "arena/events/store.hpp"

namespace arena::events {

namespace {
constexpr std::array<std::string_view, 5> kMetrics = {"events", "logins", "matches", "queue_wait_median_s",
                                                      "early_leavers"};

double median(std::vector<double>& v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
}  // namespace

bool known_hourly_metric(std::string_view metric) {
  return std::find(kMetrics.begin(), kMetrics.end(), metric) != kMetrics.end();
}

void EventStore::roll_up(std::int64_t hour_ms) {
  const std::int64_t to = hour_ms + kHourMs;
  std::vector<HourlyStat> stats;
  const auto counts = [&](Feed f, const char* metric) {
    for (auto& [key, n] : feed(f, hour_ms, to)) stats.push_back({hour_ms, metric, std::move(key), n});
  };
  counts(Feed::types, "events");
  counts(Feed::login_methods, "logins");
  counts(Feed::matches_by_mode, "matches");
  counts(Feed::leavers_by_mode, "early_leavers");
  std::map<std::string, std::vector<double>> waits;
  for (auto& [key, w] : feed(Feed::waits, hour_ms, to)) waits[std::move(key)].push_back(w);
  for (auto& [key, w] : waits) stats.push_back({hour_ms, "queue_wait_median_s", key, median(w)});
  replace_hour(hour_ms, stats);
}

}  // namespace arena::events
