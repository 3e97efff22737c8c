#pragma once
// One behaviour suite for what a finished match changes, on every back end
// (after_match_conformance.cpp).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "arena/core/clock.hpp"
#include "arena/jobs/jobs.hpp"
#include "arena/jobs/worker.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/postmatch/after_match.hpp"
#include "arena/runtime/timers.hpp"

namespace arena::postmatch::testing {

// A fresh, migrated database with the stores a worker uses on it.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual jobs::JobStore& jobs() = 0;
  virtual Stores stores() = 0;
  // The one integer a query without parameters returns (checks of what is stored).
  virtual std::int64_t count(const std::string& sql) = 0;
};

struct BackendFactory {
  std::string name;
  std::function<std::unique_ptr<Backend>()> make;
};

class AfterMatchConformance : public ::testing::TestWithParam<BackendFactory> {
 protected:
  std::unique_ptr<Backend> backend = GetParam().make();
  core::FakeClock clock{core::SystemTime{std::chrono::hours(500'000)}, core::FakeClock::Intervals::stepped};
  runtime::Timers timers{clock};
  metrics::Registry registry;
  jobs::JobMetrics metrics{registry};
  jobs::JobStore& store = backend->jobs();
  std::vector<leaderboards::Board> boards = leaderboards::configured_boards(
      {{"wins", {{"mode", "duel"}, {"stat", "won"}, {"operator", "increment"}}}}, {{"duel", {"eu"}}});
  AfterMatch after{backend->stores(), clock, {{"duel", ratings::Model::glicko2}}, boards};

  ~AfterMatchConformance() override { timers.stop(); }

  // A duel that `winner` won against `loser`.
  static match::MatchRecord duel(const std::string& id, const std::string& winner, const std::string& loser) {
    match::MatchRecord rec;
    rec.spec.match_id = id;
    rec.spec.mode = rec.spec.game = "duel";
    rec.spec.region = "eu";
    rec.spec.seats = {{winner, false, 0}, {loser, false, 1}};
    rec.result.placements = {{0, 1, {{"won", 1}}}, {1, 2, {{"won", 0}}}};
    return rec;
  }
  // That duel stored, with its rating job (as the host stores it).
  void store_duel(const std::string& id, const std::string& winner, const std::string& loser) {
    backend->stores().matches.save(duel(id, winner, loser), clock.now_unix());
  }
  jobs::WorkerSettings settings(const std::string& name) {
    jobs::WorkerSettings s;
    s.name = name;
    s.lease = std::chrono::milliseconds(3000);
    s.poll = std::chrono::milliseconds(100);
    s.rescue_every = std::chrono::milliseconds(100);
    s.threads = 2;
    s.queues = {{"ratings", 8}};
    return s;
  }
  template <class F>
  bool step_until(F done) {
    for (int i = 0; i < 200; ++i) {
      if (done()) return true;
      clock.advance(std::chrono::milliseconds(100));
      timers.wait_idle();
      for (int k = 0; k < 50 && !done(); ++k) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return done();
  }
  std::int64_t games(const std::string& user) {
    const auto r = backend->stores().ratings.load({user}, "duel");
    return r.empty() ? 0 : r.at(user).games;
  }
  std::int64_t count(const std::string& sql) { return backend->count(sql); }
  jobs::State job_state() { return store.list({.kind = "rating.update"}).at(0).state; }
};

inline void PrintTo(const BackendFactory& f, std::ostream* os) {
  *os << f.name;
}
inline std::string factory_name(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

}  // namespace arena::postmatch::testing
