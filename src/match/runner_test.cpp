#include "arena/match/runner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <random>
#include <thread>

#include "arena/match/scheduler.hpp"

namespace arena::match {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

MatchSpec cycles_spec(int humans, int bots, std::uint64_t seed) {
  MatchSpec s{"m-1", "ffa", "cycles", "eu", {}, seed};
  for (int i = 0; i < humans; ++i) s.seats.push_back({"u" + std::to_string(i), false, i});
  for (int i = 0; i < bots; ++i) s.seats.push_back({"", true, humans + i});
  return s;
}

// A human seat that sends random turns (some refused) while bots play the rest.
// Seats 0 and 1 turn now and then (some turns refused).
void random_turns(MatchRunner& m, std::mt19937& rng) {
  for (int seat = 0; seat < 2; ++seat) {
    if (rng() % 4 != 0) continue;
    try {
      m.input(seat, json::object{{"turn", rng() % 2 ? "left" : "right"}});
    } catch (const InputError&) {
    }
  }
}

MatchRecord play_recorded(std::uint64_t seed) {
  auto games = builtin_games();
  MatchRunner m(cycles_spec(2, 4, seed), *games.find("cycles"));
  std::mt19937 rng(static_cast<unsigned>(seed));
  while (!m.over()) {
    random_turns(m, rng);
    m.step();
    if (m.tick() == 40) m.forfeit(1);
  }
  return m.record();
}

TEST(Runner, ReplayFromSeedAndInputLogEndsInTheSameState) {
  const auto rec = play_recorded(77);
  EXPECT_FALSE(rec.inputs.empty());
  EXPECT_EQ(rec.result.placements.size(), 6u);
  const auto games = builtin_games();
  // Through JSON, as the store keeps it.
  const auto back = record_from_json(json::parse(json::serialize(to_json(rec))));
  EXPECT_EQ(back.final_hash, rec.final_hash);
  EXPECT_EQ(back.inputs.size(), rec.inputs.size());
  const auto out = replay(back, games);
  EXPECT_TRUE(out.matches) << out.ticks << " vs " << rec.ticks;
  // A tampered log does not replay to the same end.
  auto forged = back;
  for (auto& in : forged.inputs) {
    if (in.kind == LoggedInput::Kind::input && !forged.spec.seats[static_cast<std::size_t>(in.seat)].bot &&
        in.d.as_object().contains("turn")) {
      in.d = json::object{{"turn", in.d.at("turn").as_string() == "left" ? "right" : "left"}};
      break;
    }
  }
  bool differs = false;
  try {
    differs = !replay(forged, games).matches;
  } catch (const std::runtime_error&) {
    differs = true;  // or an input became illegal
  }
  EXPECT_TRUE(differs);
  EXPECT_THROW(record_from_json(json::parse(R"({"match_id":1})")), std::runtime_error);
}

TEST(Runner, ABotTakesOverASeat) {
  auto games = builtin_games();
  MatchRunner m(cycles_spec(2, 0, 5), *games.find("cycles"));
  EXPECT_FALSE(m.is_bot(0));
  m.set_bot(0, true);
  EXPECT_TRUE(m.is_bot(0));
  for (int i = 0; i < 10 && !m.over(); ++i) m.step();
  EXPECT_GT(m.bot_decisions(), 0);
  m.fail("test");
  EXPECT_TRUE(m.over());
  EXPECT_EQ(m.record().error, "test");
  EXPECT_THROW(m.input(1, json::object{{"turn", "left"}}), InputError);
}

// Manual mode on a fake clock: exact counts, exact lateness, cadence kept, skip-ahead.
TEST(Scheduler, OnAFakeClockRunsJobsExactlyWhenDue) {
  Scheduler::Clock::time_point fake{};
  Scheduler s(0, [&] { return fake; });
  std::vector<Scheduler::Clock::duration> lates;
  int a = 0, b = 0;
  s.add(50ms, [&](Scheduler::Clock::duration late) {
    ++a;
    lates.push_back(late);
    return true;
  });
  const auto b_id = s.add(100ms, 10ms, [&](Scheduler::Clock::duration) {
    ++b;
    return true;
  });
  EXPECT_EQ(s.run_due(), 0u);  // nothing is due at t = 0
  fake += 10ms;
  EXPECT_EQ(s.run_due(), 1u);  // b's first run (phase 10 ms)
  fake += 40ms;                // t = 50 ms
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(a, 1);
  EXPECT_EQ(lates.back(), 0ms);
  fake += 70ms;  // t = 120: a due at 100 (20 ms late); b due at 110
  EXPECT_EQ(s.run_due(), 2u);
  EXPECT_EQ(lates.back(), 20ms);
  fake += 30ms;  // t = 150: a keeps its cadence (due 150), not 120 + 50
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(lates.back(), 0ms);
  fake += 500ms;               // t = 650: a is ten periods behind: one run, then it skips ahead (no burst of ten)
  EXPECT_EQ(s.run_due(), 2u);  // a once, b once
  EXPECT_EQ(a, 4);
  fake += 50ms;
  s.run_due();
  EXPECT_EQ(a, 5);
  EXPECT_EQ(lates.back(), 0ms);
  s.remove(b_id);
  fake += 1s;
  s.run_due();
  EXPECT_EQ(b, 3);  // removed: no more runs
  EXPECT_EQ(s.size(), 1u);
}

// A host that dies mid-match: another resumes the match from its checkpoint (spec, log, tick and
// state hash, through JSON as the store keeps them) and, fed the same inputs, plays on to the
// same end. A log that does not lead to the checkpointed state is refused.
TEST(Runner, ResumesFromACheckpointAndPlaysOnToTheSameEnd) {
  const auto games = builtin_games();
  const GameInfo& info = *games.find("cycles");
  MatchRunner a(cycles_spec(2, 4, 91), info);
  std::mt19937 rng(91);
  auto play = [&](MatchRunner& m, std::uint64_t until) {
    while (!m.over() && m.tick() < until) {
      random_turns(m, rng);
      m.step();
      if (m.tick() == 10) m.set_bot(1, true);  // a player left: a bot took the seat
    }
  };
  play(a, 25);
  ASSERT_FALSE(a.over());
  const auto spec = spec_from_json(json::parse(json::serialize(spec_to_json(a.spec()))));
  auto log = log_from_json(json::parse(json::serialize(log_to_json(a.log(), 0, a.log().size()))));
  auto b = MatchRunner::resume(spec, info, log, a.tick(), a.state_hash());
  EXPECT_EQ(b->tick(), a.tick());
  EXPECT_EQ(b->state_hash(), a.state_hash());
  EXPECT_TRUE(b->is_bot(1));  // the seat that left is a bot's again
  EXPECT_FALSE(b->is_bot(0));
  const auto seed = rng();
  rng.seed(static_cast<unsigned>(seed));
  play(a, 1'000'000);
  rng.seed(static_cast<unsigned>(seed));
  play(*b, 1'000'000);
  EXPECT_EQ(b->record().final_hash, a.record().final_hash);
  EXPECT_EQ(b->record().ticks, a.record().ticks);
  EXPECT_EQ(b->record().inputs.size(), a.record().inputs.size());

  // A checkpoint whose log is short of its tick's state is refused, not run.
  log.pop_back();
  EXPECT_THROW(MatchRunner::resume(spec, info, log, 25, b->state_hash()), std::runtime_error);
  auto other_rules = spec;
  other_rules.rules = info.rules + 1;
  EXPECT_THROW(MatchRunner::resume(other_rules, info, {}, 0, 0), std::runtime_error);
}

TEST(Scheduler, RunsManyJobsOnFewThreadsAndStopsRemovedOnes) {
  Scheduler s(2);
  std::vector<std::atomic<int>> runs(50);
  std::vector<std::uint64_t> ids;
  for (auto& r : runs) ids.push_back(s.add(10ms, [&r](Scheduler::Clock::duration) { return ++r < 1000; }));
  std::atomic<int> thrower_runs{0};
  s.add(10ms, [&](Scheduler::Clock::duration) -> bool {
    ++thrower_runs;
    throw std::runtime_error("a broken job");
  });
  std::atomic<int> once{0};
  s.add(10ms, [&](Scheduler::Clock::duration) { return ++once < 0; });
  // Bounded wait until every job has run a few times.
  const auto deadline = Scheduler::Clock::now() + 5s;
  auto all_ran = [&](int n) {
    for (auto& r : runs)
      if (r.load() < n) return false;
    return true;
  };
  while (!all_ran(3) && Scheduler::Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(all_ran(3));
  EXPECT_EQ(thrower_runs.load(), 1);  // dropped after it threw; the others kept going
  EXPECT_EQ(once.load(), 1);
  s.remove(ids[0]);  // that it then never runs again is checked exactly on the fake clock above
  EXPECT_EQ(s.size(), 49u);
}

}  // namespace
}  // namespace arena::match
