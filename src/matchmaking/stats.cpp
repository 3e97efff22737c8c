#include "stats.hpp"

#include <algorithm>

namespace arena::matchmaking {
namespace json = boost::json;
namespace {

constexpr std::size_t kRecentWaits = 1024;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

MatchmakingStats::MatchmakingStats(metrics::Registry& r, const std::vector<ModeConfig>& modes)
    : rounds_(r.counter("matchmaking_rounds_total", "Matching rounds run (one per interval)").with({})),
      round_seconds_(r.histogram("matchmaking_round_seconds", "Time one matching round took", {},
                                 {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})
                         .with({})) {
  auto& joined = r.counter("matchmaking_join_queue_count", "Tickets that joined a queue", {"mode"});
  auto& ended = r.counter("matchmaking_tickets_total", "Tickets that left a queue, by how", {"mode", "result"});
  auto& queued = r.gauge("matchmaking_queue_tickets", "Tickets waiting, by mode and best region", {"mode", "region"});
  auto& waits = r.histogram("matchmaking_wait_seconds", "Time from enqueue to match", {"mode"},
                            {0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300});
  auto& spreads = r.histogram("matchmaking_match_rating_spread", "Highest minus lowest rating in a formed match",
                              {"mode"}, {25, 50, 100, 200, 300, 500, 1000});
  auto& gaps = r.histogram("matchmaking_match_win_probability_gap",
                           "Predicted win-probability gap between the strongest and weakest side", {"mode"},
                           {0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8});
  auto& formed = r.counter("matchmaking_matches_total", "Matches formed", {"mode", "bots"});
  for (const auto& m : modes) {
    auto& st = modes_[m.name];
    st.joined = &joined.with({m.name});
    st.found = &ended.with({m.name, "found"});
    st.cancelled = &ended.with({m.name, "cancelled"});
    st.expired = &ended.with({m.name, "expired"});
    st.waits_hist = &waits.with({m.name});
    st.spreads = &spreads.with({m.name});
    st.gaps = &gaps.with({m.name});
    st.formed_with_bots = &formed.with({m.name, "true"});
    st.formed_without_bots = &formed.with({m.name, "false"});
    for (const auto& region : m.regions) st.queued[region] = &queued.with({m.name, region});
  }
}

void MatchmakingStats::enqueued(const std::string& mode, core::SystemTime now) {
  auto it = modes_.find(mode);
  if (it == modes_.end()) return;
  it->second.joined->inc();
  ++it->second.enqueued;
  it->second.enqueues.add(now);
}

void MatchmakingStats::ticket_left(const StatusEvent& e) {
  auto it = modes_.find(e.mode);
  if (it == modes_.end()) return;
  auto& st = it->second;
  if (e.state == TicketState::found) st.found->inc();
  if (e.state == TicketState::cancelled) st.cancelled->inc();
  if (e.state == TicketState::expired) st.expired->inc();
}

void MatchmakingStats::formed(const FormedMatch& m) {
  auto it = modes_.find(m.mode);
  if (it == modes_.end()) return;
  auto& st = it->second;
  ++st.matches;
  st.bot_matches += m.bots_fill ? 1 : 0;
  st.spread_sum += m.rating_spread;
  st.gap_sum += m.win_gap;
  for (double w : m.waits_s) {
    st.waits_hist->observe(w);
    st.waits.push_back(w);
    if (st.waits.size() > kRecentWaits) st.waits.pop_front();
  }
  st.spreads->observe(m.rating_spread);
  st.gaps->observe(m.win_gap);
  (m.bots_fill ? st.formed_with_bots : st.formed_without_bots)->inc();
}

void MatchmakingStats::round(const std::vector<PoolStats>& pools, double seconds) {
  for (auto& [name, st] : modes_)
    for (auto& [region, g] : st.queued) g->set(0);
  for (const auto& p : pools) {
    auto st = modes_.find(p.mode);
    if (st == modes_.end()) continue;
    if (auto g = st->second.queued.find(p.region); g != st->second.queued.end())
      g->second->set(static_cast<double>(p.tickets));
  }
  rounds_.inc();
  round_seconds_.observe(seconds);
}

json::array MatchmakingStats::render(const std::vector<ModeConfig>& modes, const std::vector<PoolStats>& pools,
                                     core::SystemTime now) {
  json::array out;
  for (const auto& mode : modes) {
    auto& st = modes_[mode.name];
    json::array regions;
    std::size_t tickets = 0;
    std::size_t players = 0;
    for (const auto& p : pools) {
      if (p.mode != mode.name) continue;
      tickets += p.tickets;
      players += p.players;
      regions.push_back(json::object{
          {"region", p.region}, {"tickets", p.tickets}, {"players", p.players}, {"oldest_wait_s", p.oldest_wait_s}});
    }
    const std::vector<double> recent(st.waits.begin(), st.waits.end());
    const double n = static_cast<double>(st.matches);
    out.push_back(json::object{
        {"mode", mode.name},
        {"queued_tickets", tickets},
        {"queued_players", players},
        {"regions", std::move(regions)},
        {"enqueued_total", st.enqueued},
        {"tickets_per_second", st.enqueues.per_second(now)},
        {"matches_total", st.matches},
        {"bot_fill_matches_total", st.bot_matches},
        {"wait_seconds",
         {{"p50", percentile(recent, 0.5)}, {"p90", percentile(recent, 0.9)}, {"p99", percentile(recent, 0.99)}}},
        {"mean_rating_spread", st.matches ? st.spread_sum / n : 0.0},
        {"mean_win_probability_gap", st.matches ? st.gap_sum / n : 0.0},
    });
  }
  return out;
}

}  // namespace arena::matchmaking
