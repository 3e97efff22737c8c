#pragma once
// The matchmaker role: parties and tickets over the bus. Client ops arrive from gateways as
// mm.op requests; players hear back through the router (mm.status, party.*); formed matches are
// published as match.found. Disconnects (presence.changed offline) cancel tickets and leave
// parties. All state sits behind one lock; a thread ticks the Matcher every interval.
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "arena/bus/bus.hpp"
#include "arena/core/clock.hpp"
#include "arena/matchmaking/matcher.hpp"
#include "arena/matchmaking/settings.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/runtime/timers.hpp"

namespace arena::matchmaking {

// Where player ratings come from (the ratings issue provides the real one).
class RatingSource {
 public:
  virtual ~RatingSource() = default;
  virtual double rating(std::string_view user_id, std::string_view mode) = 0;
};

class FixedRating final : public RatingSource {
 public:
  explicit FixedRating(double r) : r_(r) {}
  double rating(std::string_view, std::string_view) override { return r_; }

 private:
  double r_;
};

class MatchmakerService {
 public:
  // With `timers`, ops and rounds (every settings.interval of the clock) run on the matchmaker's
  // own strand; without, ops run on the delivering thread and the owner calls tick() (the fuzz
  // target, tests).
  // Tickets and matches, for the game-event stream (mm.queued, mm.cancelled, mm.expired per
  // ticket, with its first player as user_id; mm.matched per formed match): called under the
  // matchmaker's lock, so it must only queue.
  using Emit = std::function<void(std::string_view type, const std::string& user_id, const std::string& mode,
                                  const std::string& region, const std::string& match_id, boost::json::object data)>;
  MatchmakerService(bus::Bus& bus, const core::Clock& clock, std::vector<ModeConfig> modes, RatingSource& ratings,
                    metrics::Registry& registry, const Settings& settings, runtime::Timers* timers, Emit emit = {});
  ~MatchmakerService();
  MatchmakerService(const MatchmakerService&) = delete;
  MatchmakerService& operator=(const MatchmakerService&) = delete;

  void tick();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arena::matchmaking
