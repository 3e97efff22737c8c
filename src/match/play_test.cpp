// The game checks (arena/match/play.hpp) pass for every built-in game and catch games that break
// the rules replays depend on; untrusted input never does more than a refusal.
#include "arena/match/play.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <random>

namespace arena::match {
namespace {

namespace json = boost::json;

TEST(Play, EveryBuiltInGamePassesTheChecks) {
  const auto games = builtin_games();
  ASSERT_GE(games.names().size(), 3u);
  for (const auto& name : games.names()) {
    const auto problems = play::check_game(*games.find(name), 2);
    EXPECT_TRUE(problems.empty()) << name << ": " << (problems.empty() ? "" : problems.front());
  }
}

// A small counting game, with one rule broken on demand.
enum class Flaw { none, refuses_after_changing, random_state, leave_changes_state };

class Counter : public GameMode {
 public:
  explicit Counter(Flaw flaw) : flaw_(flaw) {}
  void start(const GameStart& s) override { n_ = s.seats.size(); }
  void input(int seat, const json::value& d) override {
    if (flaw_ == Flaw::refuses_after_changing) ++total_;  // changes the state, then may refuse
    if (!d.is_object() || !d.as_object().contains("add")) throw InputError("invalid_input", "{\"add\":n}");
    total_ += static_cast<std::uint64_t>(seat) + 1;
  }
  void tick(TickOutput& out) override {
    ++tick_;
    if (flaw_ == Flaw::random_state) total_ += std::random_device{}();  // two runs practically never agree
    out.delta["total"] = total_;
  }
  bool over() const override { return tick_ >= 30; }
  GameResult result() const override {
    GameResult r;
    for (std::size_t i = 0; i < n_; ++i) r.placements.push_back({static_cast<int>(i), 1, {{"total", total_}}});
    return r;
  }
  json::object snapshot(int) const override { return {{"total", total_}}; }
  std::uint64_t state_hash() const override { return fnv1a(&total_, sizeof total_, tick_); }
  std::uint64_t tick_count() const override { return tick_; }
  void forfeit(int) override {}
  void on_leave(int) override {
    if (flaw_ == Flaw::leave_changes_state) total_ += 100;  // safe: leaves are in the log
  }

 private:
  Flaw flaw_;
  std::size_t n_ = 0;
  std::uint64_t total_ = 0;
  std::uint64_t tick_ = 0;
};

class Adder final : public BotBrain {
 public:
  json::value decide(const GameMode& g, int) override {
    return g.tick_count() % 2 == 0 ? json::value(json::object{{"add", 1}}) : json::value(json::object{{"x", 1}});
  }
};

GameInfo counter(Flaw flaw) {
  GameInfo info{.name = "counter", .min_players = 2, .max_players = 2, .tick_rate = 10, .score_stats = {"total"}};
  info.make = [flaw] { return std::make_unique<Counter>(flaw); };
  info.make_bot = [] { return std::make_unique<Adder>(); };
  return info;
}

TEST(Play, AGameThatBreaksAReplayRuleIsCaught) {
  EXPECT_TRUE(play::check_game(counter(Flaw::none)).empty());
  const auto changed = play::check_game(counter(Flaw::refuses_after_changing));
  ASSERT_FALSE(changed.empty());
  EXPECT_NE(changed.front().find("changed the state and then refused"), std::string::npos) << changed.front();
  const auto random = play::check_game(counter(Flaw::random_state));
  ASSERT_FALSE(random.empty());
  EXPECT_NE(random.front().find("different states"), std::string::npos) << random.front();
}

TEST(Play, LeavesAndRejoinsAreLoggedSoAGameMayChangeStateThere) {
  const GameInfo info = counter(Flaw::leave_changes_state);
  GameRegistry games;
  games.add(info);
  MatchRunner m(play::spec(info, play::seats(2, 0), 5), info);
  for (int i = 0; i < 30 && !m.over(); ++i) {
    if (i == 10) m.set_bot(1, true);  // the player left: a bot takes over, the game adds 100
    if (i == 20) m.rejoined(1);
    m.step();
  }
  const auto rec = m.record();
  ASSERT_EQ(rec.inputs.front().kind, LoggedInput::Kind::leave);
  EXPECT_TRUE(play::replay_round_trip(rec, games).matches);
}

TEST(Play, TheRecordCarriesSettingsTickRateRulesAndEvents) {
  const auto games = builtin_games();
  const GameInfo& info = *games.find("cycles");
  auto spec = play::spec(info, play::seats(0, 4), 9, {{"max_seconds", "3"}, {"size", 8}});
  spec.tick_rate = 10;
  const auto out = play::self_play(info, spec);
  const auto& rec = out.record;
  EXPECT_EQ(rec.spec.tick_rate, 10);
  EXPECT_EQ(rec.spec.rules, info.rules);
  EXPECT_EQ(rec.spec.settings.at("max_seconds").as_double(), 3.0);  // typed, defaults filled in
  EXPECT_EQ(rec.spec.settings.at("size").as_int64(), 8);
  EXPECT_LE(rec.ticks, 30u);         // 3 s at 10 Hz
  EXPECT_FALSE(rec.events.empty());  // four riders on 8 x 8 cells crash within three seconds
  const auto json_rec = to_json(rec);
  EXPECT_EQ(json_rec.at("version").as_int64(), kRecordVersion);
  EXPECT_TRUE(play::replay_round_trip(rec, games).matches);
  // A record of other rules is refused, with the reason.
  auto older = rec;
  older.spec.rules = info.rules - 1;
  try {
    (void)replay(older, games);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("rules"), std::string::npos);
  }
  // So is a record of the first format (a forfeit was an input then, leaves were not logged).
  auto v1 = json_rec;
  v1.erase("version");
  const auto parsed = record_from_json(v1);
  EXPECT_EQ(parsed.version, 1);
  EXPECT_THROW((void)replay(parsed, games), std::runtime_error);
  // Tampered events do not match.
  auto forged = rec;
  if (!forged.events.empty()) {
    forged.events.front().data["cause"] = "forged";
    EXPECT_FALSE(replay(forged, games).matches);
  }
}

// Untrusted input: any JSON at all is either taken or refused with InputError, never anything else.
TEST(Play, AnyJsonInputIsTakenOrRefusedWithACode) {
  std::mt19937 rng(5);
  auto random_value = [&](auto&& self, int depth) -> json::value {
    switch (rng() % (depth > 2 ? 5 : 7)) {
      case 0: return nullptr;
      case 1: return static_cast<std::int64_t>(rng() % 21) - 10;
      case 2: return static_cast<double>(rng()) / 1e3;
      case 3: {
        static const char* words[] = {"left", "right", "up", "down", "turn", "dir", "column", "", "\xF0\x9F\x8E\xAE"};
        return json::string(words[rng() % 9]);
      }
      case 4: return static_cast<bool>(rng() % 2);
      case 5: {
        json::array a;
        for (int i = 0; i < static_cast<int>(rng() % 4); ++i) a.push_back(self(self, depth + 1));
        return a;
      }
      default: {
        json::object o;
        static const char* keys[] = {"turn", "dir", "column", "x"};
        for (int i = 0; i < static_cast<int>(rng() % 3); ++i) o[keys[rng() % 4]] = self(self, depth + 1);
        return o;
      }
    }
  };
  const auto games = builtin_games();
  for (const auto& name : games.names()) {
    auto g = games.find(name)->make();
    play::start(*g, *games.find(name), play::seats(2, 0), 3);
    int taken = 0;
    for (int i = 0; i < 5000 && !g->over(); ++i) {
      // Mostly garbage, now and then a well-formed input (which must still be taken after it).
      const bool good = i % 5 == 0;
      const int seat = good ? i % 2 : static_cast<int>(rng() % 4) - 1;
      const json::value in = !good            ? random_value(random_value, 0)
                             : name == "four" ? json::value(json::object{{"column", i % 7}})
                             : name == "tag"  ? json::value(json::object{{"dir", i % 2 ? "left" : "up"}})
                                              : json::value(json::object{{"turn", i % 2 ? "left" : "right"}});
      try {
        g->input(seat, in);
        ++taken;
      } catch (const InputError& e) {
        EXPECT_FALSE(e.code().empty());
      }
      if (i % 3 == 0) {
        TickOutput out;
        g->tick(out);
      }
    }
    EXPECT_GT(taken, 0) << name;
  }
}

TEST(Registry, BuiltinGamesAndWhatTheRegistryRefuses) {
  auto r = builtin_games();
  ASSERT_NE(r.find("cycles"), nullptr);
  ASSERT_NE(r.find("four"), nullptr);
  EXPECT_EQ(r.find("nope"), nullptr);
  EXPECT_EQ(r.find("cycles")->tick_rate, 20);
  EXPECT_THROW(r.add(*r.find("four")), std::invalid_argument);
  auto bad_default = counter(Flaw::none);
  bad_default.name = "bad";
  bad_default.settings = {SettingSpec::integer("size", 500, 1, 64, "a default outside its own range")};
  EXPECT_THROW(r.add(bad_default), std::invalid_argument);
}

}  // namespace
}  // namespace arena::match
