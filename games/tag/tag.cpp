// tag: one player is "it" and chases the others around a grid with a few pillars; touching a
// runner (same or next cell) makes them "it", frozen for a second so there is no tag-back. A
// runner scores a point for every tick it is not "it"; after `seconds` the most points win.
// "It" moves every tick, runners skip every fourth, so a chase can end.
//
// Hidden information: a player sees the runners within `sight` cells of itself (fog of war),
// and everyone sees "it". Spectators get the public view: the grid, "it", the scores.
// Input: {"dir": "up"|"down"|"left"|"right"|"none"} (keep moving that way; at most two a tick).
//
// The whole game is this one file: the rules, the bot and ARENA_GAME at the end.
#include <array>
#include <cstdlib>
#include <string_view>

#include "arena/match/game_mode.hpp"

namespace {

namespace json = boost::json;
using namespace arena::match;

constexpr std::array<std::string_view, 5> kDirs{"none", "up", "right", "down", "left"};
constexpr std::array<int, 5> kDx{0, 0, 1, 0, -1};
constexpr std::array<int, 5> kDy{0, -1, 0, 1, 0};

class Tag final : public GameMode {
 public:
  struct Player {
    int x = 0, y = 0;
    int dir = 0;  // index into kDirs
    int score = 0, tagged = 0, tags = 0;
    int inputs = 0;  // this tick
  };

  void start(const GameStart& s) override {
    size_ = static_cast<int>(s.settings.integer("size"));
    sight_ = static_cast<int>(s.settings.integer("sight"));
    end_tick_ = s.ticks(s.settings.number("seconds"));
    freeze_ticks_ = s.ticks(1.0);
    players_.assign(s.seats.size(), Player{});
    walls_.assign(static_cast<std::size_t>(size_ * size_), 0);
    Random rng(s.seed);
    // Players start spread along the border, in an order the seed picks.
    std::vector<int> order(players_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    rng.shuffle(order.begin(), order.end());
    const int perimeter = 4 * (size_ - 1);
    for (std::size_t i = 0; i < players_.size(); ++i) {
      const int step = static_cast<int>(i) * perimeter / static_cast<int>(players_.size());
      auto& p = players_[static_cast<std::size_t>(order[i])];
      border(step, p.x, p.y);
    }
    for (auto pillars = s.settings.integer("pillars"); pillars > 0; --pillars) {
      const int x = static_cast<int>(rng.between(2, size_ - 3));
      const int y = static_cast<int>(rng.between(2, size_ - 3));
      walls_[cell(x, y)] = 1;  // never on the border, where players start
    }
    it_ = static_cast<int>(rng.below(players_.size()));
    frozen_until_ = freeze_ticks_;  // the runners get a head start
    tick_ = 0;
  }

  void input(int seat, const json::value& d) override {
    if (seat < 0 || seat >= static_cast<int>(players_.size())) throw InputError("invalid_seat", "no such seat");
    if (over()) throw InputError("match_over", "the game is over");
    auto& p = players_[static_cast<std::size_t>(seat)];
    if (p.inputs >= 2) throw InputError("too_fast", "at most 2 inputs per tick");
    const auto* dir = d.is_object() ? d.as_object().if_contains("dir") : nullptr;
    int next = -1;
    for (std::size_t i = 0; dir != nullptr && dir->is_string() && i < kDirs.size(); ++i)
      if (dir->get_string() == kDirs[i]) next = static_cast<int>(i);
    if (next < 0) throw InputError("invalid_input", R"(an input is {"dir":"up"|"down"|"left"|"right"|"none"})");
    p.dir = next;  // only now, after every check: a refused input changes nothing
    ++p.inputs;
  }

  void tick(TickOutput& out) override {
    if (over()) return;
    ++tick_;
    for (std::size_t i = 0; i < players_.size(); ++i) {
      auto& p = players_[i];
      p.inputs = 0;
      const bool is_it = static_cast<int>(i) == it_;
      if (is_it ? tick_ <= frozen_until_ : tick_ % 4 == 0) continue;
      const int nx = p.x + kDx[static_cast<std::size_t>(p.dir)];
      const int ny = p.y + kDy[static_cast<std::size_t>(p.dir)];
      if (!blocked(nx, ny)) {
        p.x = nx;
        p.y = ny;
      }
    }
    if (tick_ > frozen_until_) {  // "it" touches the nearest runner it reaches, the lowest seat on a tie
      const int by = it_;
      const auto& chaser = players_[static_cast<std::size_t>(by)];
      for (std::size_t i = 0; i < players_.size(); ++i) {
        const auto& p = players_[i];
        if (static_cast<int>(i) == by || std::abs(p.x - chaser.x) + std::abs(p.y - chaser.y) > 1) continue;
        emit("tag.tagged", {{"by", by}, {"seat", static_cast<int>(i)}, {"x", p.x}, {"y", p.y}});
        ++players_[static_cast<std::size_t>(by)].tags;
        ++players_[i].tagged;
        it_ = static_cast<int>(i);
        frozen_until_ = tick_ + freeze_ticks_;
        out.delta["tagged"] = json::object{{"by", by}, {"seat", static_cast<int>(i)}};
        break;
      }
    }
    for (std::size_t i = 0; i < players_.size(); ++i)
      if (static_cast<int>(i) != it_) ++players_[i].score;
    const auto& it = players_[static_cast<std::size_t>(it_)];
    out.delta["it"] = json::object{{"seat", it_}, {"x", it.x}, {"y", it.y}, {"frozen", tick_ <= frozen_until_}};
    if (tick_ % freeze_ticks_ == 0 || over()) out.delta["scores"] = scores();
    for (std::size_t i = 0; i < players_.size(); ++i)
      out.own(static_cast<int>(i)) = {{"seen", seen(static_cast<int>(i))}};
  }

  bool over() const override { return tick_ >= end_tick_; }

  GameResult result() const override {
    GameResult r;
    for (std::size_t i = 0; i < players_.size(); ++i) {
      int better = 0;
      for (const auto& o : players_) better += o.score > players_[i].score ? 1 : 0;
      const auto& p = players_[i];
      r.placements.push_back(
          {static_cast<int>(i), better + 1, {{"score", p.score}, {"tagged", p.tagged}, {"tags", p.tags}}});
    }
    r.summary = {{"ticks", tick_}, {"it", it_}};
    return r;
  }

  json::object snapshot(int viewer) const override {
    std::string walls(walls_.size(), '.');
    for (std::size_t i = 0; i < walls_.size(); ++i)
      if (walls_[i] != 0) walls[i] = '#';
    const auto& it = players_[static_cast<std::size_t>(it_)];
    json::object s{{"size", size_},
                   {"walls", std::move(walls)},
                   {"it", json::object{{"seat", it_}, {"x", it.x}, {"y", it.y}, {"frozen", tick_ <= frozen_until_}}},
                   {"scores", scores()},
                   {"ticks_left", end_tick_ - tick_},
                   {"sight", sight_}};
    if (viewer != kSpectator) s["seen"] = seen(viewer);
    return s;
  }

  std::uint64_t state_hash() const override {
    std::uint64_t h = fnv1a(walls_.data(), walls_.size());
    for (const auto& p : players_) {
      const std::array<int, 6> v{p.x, p.y, p.dir, p.score, p.tagged, p.tags};
      h = fnv1a(v.data(), sizeof v, h);
    }
    const std::array<int, 3> g{it_, frozen_until_, tick_};
    return fnv1a(g.data(), sizeof g, h);
  }

  std::uint64_t tick_count() const override { return static_cast<std::uint64_t>(tick_); }
  void forfeit(int) override {}  // a bot takes the seat (forfeit_on_leave is false)

  // For the bot: what `seat` can see.
  bool visible(int seat, int other) const {
    const auto& a = players_[static_cast<std::size_t>(seat)];
    const auto& b = players_[static_cast<std::size_t>(other)];
    return other == seat || other == it_ || std::max(std::abs(a.x - b.x), std::abs(a.y - b.y)) <= sight_;
  }
  const std::vector<Player>& players() const { return players_; }
  int it() const { return it_; }
  bool blocked(int x, int y) const { return x < 0 || y < 0 || x >= size_ || y >= size_ || walls_[cell(x, y)] != 0; }

 private:
  std::size_t cell(int x, int y) const { return static_cast<std::size_t>(y * size_ + x); }
  // The step-th cell going round the border clockwise from the top-left corner.
  void border(int step, int& x, int& y) const {
    const int side = size_ - 1;
    if (step < side) {
      x = step, y = 0;
    } else if (step < 2 * side) {
      x = side, y = step - side;
    } else if (step < 3 * side) {
      x = 3 * side - step, y = side;
    } else {
      x = 0, y = 4 * side - step;
    }
  }
  json::array scores() const {
    json::array a;
    for (const auto& p : players_) a.push_back(p.score);
    return a;
  }
  // [[seat, x, y], ...]: the players `viewer` sees, itself first.
  json::array seen(int viewer) const {
    json::array a;
    const auto& me = players_.at(static_cast<std::size_t>(viewer));
    a.push_back(json::array{viewer, me.x, me.y});
    for (std::size_t i = 0; i < players_.size(); ++i)
      if (static_cast<int>(i) != viewer && visible(viewer, static_cast<int>(i)))
        a.push_back(json::array{static_cast<int>(i), players_[i].x, players_[i].y});
    return a;
  }

  int size_ = 0, sight_ = 0, end_tick_ = 0, freeze_ticks_ = 1;
  int tick_ = 0, it_ = 0, frozen_until_ = 0;
  std::vector<Player> players_;
  std::vector<std::uint8_t> walls_;
};

// "It" heads for the nearest runner it can see; a runner that sees "it" close runs the way that
// leaves it furthest off; otherwise it keeps going, turning at walls.
class TagBot final : public Bot<Tag> {
 public:
  json::value choose(const Tag& g, int seat) override {
    const auto& me = g.players()[static_cast<std::size_t>(seat)];
    int target = -1;
    int best_distance = 1 << 30;
    for (std::size_t i = 0; i < g.players().size(); ++i) {
      const int other = static_cast<int>(i);
      if (other == seat || !g.visible(seat, other)) continue;
      if (seat != g.it() && other != g.it()) continue;  // a runner only cares about "it"
      const auto& p = g.players()[i];
      const int d = std::abs(p.x - me.x) + std::abs(p.y - me.y);
      if (d < best_distance) best_distance = d, target = other;
    }
    int dir = me.dir;
    if (target >= 0 && (seat == g.it() || best_distance <= 6)) {
      const auto& t = g.players()[static_cast<std::size_t>(target)];
      int best = seat == g.it() ? (1 << 30) : -1;
      for (int d = 1; d <= 4; ++d) {
        const int nx = me.x + kDx[static_cast<std::size_t>(d)];
        const int ny = me.y + kDy[static_cast<std::size_t>(d)];
        if (g.blocked(nx, ny)) continue;
        const int dist = std::abs(t.x - nx) + std::abs(t.y - ny);
        if (seat == g.it() ? dist < best : dist > best) best = dist, dir = d;
      }
    } else if (dir == 0 ||
               g.blocked(me.x + kDx[static_cast<std::size_t>(dir)], me.y + kDy[static_cast<std::size_t>(dir)])) {
      for (int k = 1; k <= 4; ++k) {  // turn right until the way is open
        const int d = (dir + k - 1) % 4 + 1;
        if (!g.blocked(me.x + kDx[static_cast<std::size_t>(d)], me.y + kDy[static_cast<std::size_t>(d)])) {
          dir = d;
          break;
        }
      }
    }
    if (dir == me.dir) return nullptr;
    return json::object{{"dir", kDirs[static_cast<std::size_t>(dir)]}};
  }
};

}  // namespace

ARENA_GAME(tag) {
  using arena::match::SettingSpec;
  return arena::match::game<Tag, TagBot>(
      {.name = "tag",
       .min_players = 2,
       .max_players = 8,
       .tick_rate = 10,
       .forfeit_on_leave = false,
       .settings = {SettingSpec::integer("size", 20, 8, 64, "the grid's side in cells"),
                    SettingSpec::number("seconds", 60, 5, 3600, "how long a game lasts"),
                    SettingSpec::integer("sight", 5, 0, 64, "how far a player sees other runners (cells)"),
                    SettingSpec::integer("pillars", 12, 0, 200, "pillars placed by the seed")},
       .score_stats = {"score", "tagged", "tags"},
       .event_types = {"tag.tagged"}});
}
