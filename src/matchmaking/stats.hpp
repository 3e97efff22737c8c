#pragma once
// The matchmaker's figures per mode: its metric children (resolved once, when the service
// starts) and the recent history that `GET /v1/matchmaking/stats` (mm.stats) reports.
#include <boost/json/array.hpp>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "arena/core/clock.hpp"
#include "arena/core/rolling_count.hpp"
#include "arena/matchmaking/matcher.hpp"
#include "arena/metrics/registry.hpp"

namespace arena::matchmaking {

struct ModeStats {
  std::uint64_t enqueued = 0;
  std::uint64_t matches = 0;
  std::uint64_t bot_matches = 0;
  double spread_sum = 0;
  double gap_sum = 0;
  std::deque<double> waits;         // the latest kRecentWaits
  core::RollingCount<10> enqueues;  // over the last 10 s, in fixed memory
  metrics::Counter* joined = nullptr;
  metrics::Counter* found = nullptr;
  metrics::Counter* cancelled = nullptr;
  metrics::Counter* expired = nullptr;
  metrics::Histogram* waits_hist = nullptr;
  metrics::Histogram* spreads = nullptr;
  metrics::Histogram* gaps = nullptr;
  metrics::Counter* formed_with_bots = nullptr;
  metrics::Counter* formed_without_bots = nullptr;
  std::map<std::string, metrics::Gauge*, std::less<>> queued;  // by region
};

class MatchmakingStats {
 public:
  MatchmakingStats(metrics::Registry& registry, const std::vector<ModeConfig>& modes);

  void enqueued(const std::string& mode, core::SystemTime now);
  void ticket_left(const StatusEvent& e);  // found, cancelled or expired
  void formed(const FormedMatch& m);
  // A round ended: the queue gauges read `pools` (a pool that emptied reads 0), the round counted.
  void round(const std::vector<PoolStats>& pools, double seconds);
  // mm.stats: per mode, its queues now and its history.
  boost::json::array render(const std::vector<ModeConfig>& modes, const std::vector<PoolStats>& pools,
                            core::SystemTime now);

 private:
  metrics::Counter& rounds_;
  metrics::Histogram& round_seconds_;
  std::map<std::string, ModeStats, std::less<>> modes_;
};

}  // namespace arena::matchmaking
