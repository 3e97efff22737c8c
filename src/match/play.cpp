#include "arena/match/play.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <memory>
#include <set>

namespace arena::match::play {
namespace json = boost::json;

std::vector<Seat> seats(int humans, int bots) {
  std::vector<Seat> out;
  out.reserve(static_cast<std::size_t>(std::max(0, humans)) + static_cast<std::size_t>(std::max(0, bots)));
  for (int i = 0; i < humans; ++i) out.push_back({"p" + std::to_string(i), false, i});
  for (int i = 0; i < bots; ++i) out.push_back({"", true, humans + i});
  return out;
}

MatchSpec spec(const GameInfo& info, std::vector<Seat> seats, std::uint64_t seed, json::object settings) {
  MatchSpec s;
  s.match_id = "play";
  s.mode = info.name;
  s.game = info.name;
  s.region = "local";
  s.seats = std::move(seats);
  s.seed = seed;
  s.settings = std::move(settings);
  return s;
}

void start(GameMode& game, const GameInfo& info, const std::vector<Seat>& seats, std::uint64_t seed,
           const json::object& settings) {
  const auto parsed = GameSettings::parse(info.settings, settings);
  game.start(GameStart{seats, seed, info.tick_rate, parsed});
}

TickOutput tick(GameMode& game) {
  TickOutput out;
  game.tick(out);
  return out;
}

int place_of(const GameResult& result, int seat) {
  for (const auto& p : result.placements)
    if (p.seat == seat) return p.place;
  return -1;
}

namespace {

// Inputs the bots sent: their shapes make junk that gets past a game's first checks.
struct Shapes {
  std::vector<json::value> seen;
};

class Recording final : public BotBrain {
 public:
  Recording(std::unique_ptr<BotBrain> inner, std::shared_ptr<Shapes> shapes)
      : inner_(std::move(inner)), shapes_(std::move(shapes)) {}
  json::value decide(const GameMode& game, int seat) override {
    json::value d = inner_->decide(game, seat);
    if (!d.is_null() && shapes_->seen.size() < 64) shapes_->seen.push_back(d);
    return d;
  }

 private:
  std::unique_ptr<BotBrain> inner_;
  std::shared_ptr<Shapes> shapes_;
};

json::value random_scalar(Random& rng) {
  switch (rng.below(6)) {
    case 0: return rng.between(-2, 10);
    case 1: return static_cast<std::int64_t>(rng.next() >> 1);
    case 2: return rng.below(2) == 0;
    case 3: return nullptr;
    case 4: return static_cast<double>(rng.between(-100, 100)) / 7.0;
    default: {
      static const char* words[] = {"left", "right", "up", "down", "x", "", "north", "forfeit"};
      return words[rng.below(8)];
    }
  }
}

json::value random_value(Random& rng, int depth) {
  if (depth > 2 || rng.below(3) == 0) return random_scalar(rng);
  if (rng.below(2) == 0) {
    json::array a;
    for (std::uint64_t i = 0, n = rng.below(4); i < n; ++i) a.push_back(random_value(rng, depth + 1));
    return a;
  }
  json::object o;
  static const char* keys[] = {"turn", "dir", "column", "x", "y", "move", "to", "forfeit"};
  for (std::uint64_t i = 0, n = rng.below(3); i < n; ++i) o[keys[rng.below(8)]] = random_value(rng, depth + 1);
  return o;
}

// A bot's input with one value changed (or whole junk when there is none yet).
json::value junk(Random& rng, const Shapes& shapes) {
  if (shapes.seen.empty() || rng.below(4) == 0) return random_value(rng, 0);
  json::value v = shapes.seen[rng.below(shapes.seen.size())];
  if (v.is_object() && !v.get_object().empty()) {
    auto& o = v.get_object();
    auto it = o.begin() + static_cast<std::ptrdiff_t>(rng.below(o.size()));
    it->value() = rng.below(2) == 0 ? random_scalar(rng) : shapes.seen[rng.below(shapes.seen.size())];
  }
  return v;
}

}  // namespace

Outcome self_play(const GameInfo& info, const MatchSpec& spec, const Options& options) {
  auto shapes = std::make_shared<Shapes>();
  MatchRunner runner(spec, info, [shapes](const GameInfo& g, const MatchSpec&, int) -> std::unique_ptr<BotBrain> {
    return std::make_unique<Recording>(g.make_bot(), shapes);
  });
  runner.set_checked(true);
  Random rng(options.junk_seed);
  while (!runner.over() && runner.tick() < options.max_ticks) {
    for (int k = 0; k < options.junk_per_tick; ++k) {
      for (std::size_t seat = 0; seat < spec.seats.size(); ++seat) {
        if (spec.seats[seat].bot || runner.over()) continue;
        try {
          runner.input(static_cast<int>(seat), junk(rng, *shapes));
        } catch (const InputError&) {
          // refused, as most junk is (a refusal that changed the state throws RuleBroken instead)
        }
      }
    }
    runner.step();
  }
  return {runner.record(), runner.over()};
}

ReplayOutcome replay_round_trip(const MatchRecord& record, const GameRegistry& games) {
  const auto back = record_from_json(json::parse(json::serialize(to_json(record))));
  return replay(back, games);
}

namespace {

void check_result(const GameInfo& info, const MatchRecord& rec, const std::string& where,
                  std::vector<std::string>& problems) {
  const auto n = static_cast<int>(rec.spec.seats.size());
  std::set<int> seen;
  if (static_cast<int>(rec.result.placements.size()) != n)
    problems.push_back(where + ": result() placed " + std::to_string(rec.result.placements.size()) + " of " +
                       std::to_string(n) + " seats");
  for (const auto& p : rec.result.placements) {
    if (p.seat < 0 || p.seat >= n || !seen.insert(p.seat).second)
      problems.push_back(where + ": result() places seat " + std::to_string(p.seat) + " twice or out of range");
    if (p.place < 1 || p.place > n)
      problems.push_back(where + ": seat " + std::to_string(p.seat) + " has place " + std::to_string(p.place));
    for (const auto& stat : info.score_stats) {
      const auto* v = p.stats.if_contains(stat);
      if (v == nullptr || !v->is_number())
        problems.push_back(where + ": seat " + std::to_string(p.seat) + " lacks the score stat '" + stat +
                           "' as a number");
    }
  }
}

}  // namespace

std::vector<std::string> check_game(const GameInfo& info, int seeds, std::uint64_t max_ticks) {
  std::vector<std::string> problems;
  GameRegistry games;
  games.add(info);
  for (int players = info.min_players; players <= info.max_players; ++players) {
    for (int k = 0; k < seeds; ++k) {
      const std::uint64_t seed = 1000003ULL * static_cast<std::uint64_t>(k + 1) + static_cast<std::uint64_t>(players);
      const int humans = k % 2 == 0 ? 0 : std::min(players, 2);  // all bots, or up to two junk-sending humans
      const auto s = spec(info, seats(humans, players - humans), seed);
      const std::string where = info.name + " with " + std::to_string(players) + " seats (" + std::to_string(humans) +
                                " human), seed " + std::to_string(seed);
      Options o;
      o.max_ticks = max_ticks;
      o.junk_per_tick = humans > 0 ? 2 : 0;
      o.junk_seed = seed;
      try {
        const auto a = self_play(info, s, o);
        const auto b = self_play(info, s, o);
        if (!a.ended)
          problems.push_back(where + ": did not end within " + std::to_string(max_ticks) + " ticks" +
                             (humans == players ? " with its players sending only junk: a match whose players stop "
                                                  "playing must still end (a clock, a turn timer)"
                                                : ""));
        if (a.record.final_hash != b.record.final_hash || a.record.ticks != b.record.ticks)
          problems.push_back(where + ": two runs with the same seed and inputs ended in different states");
        else if (to_json(a.record) != to_json(b.record))
          problems.push_back(where +
                             ": two runs with the same seed and inputs differ in their records (result or events)");
        const auto r = replay_round_trip(a.record, games);
        if (!r.matches)
          problems.push_back(where + ": the replay ends elsewhere (tick " + std::to_string(r.ticks) + " vs " +
                             std::to_string(a.record.ticks) + (r.same_events ? "" : ", other events") + ")");
        if (a.record.error.empty()) check_result(info, a.record, where, problems);
        // Every viewer's snapshot, at the start of a fresh match.
        MatchRunner fresh(s, info);
        for (int v = kSpectator; v < players; ++v) (void)fresh.snapshot(v);
      } catch (const RuleBroken& e) {
        problems.push_back(where + ": " + e.what());
      } catch (const std::exception& e) {
        problems.push_back(where + ": " + e.what());
      }
    }
  }
  return problems;
}

}  // namespace arena::match::play
