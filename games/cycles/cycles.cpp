#include "cycles.hpp"

#include <algorithm>
#include <cstdlib>
#include <numeric>

namespace arena::match {
namespace json = boost::json;

namespace {

constexpr std::array<const char*, 4> kDirNames{"up", "right", "down", "left"};

int dir_from(std::string_view name) {
  for (int i = 0; i < 4; ++i)
    if (name == kDirNames[static_cast<std::size_t>(i)]) return i;
  return -1;
}

}  // namespace

void Cycles::start(const GameStart& s) {
  const int n = static_cast<int>(s.seats.size());
  if (n < 1 || n > 8) throw std::invalid_argument("cycles takes 1-8 seats");
  const auto size = static_cast<int>(s.settings.integer("size"));
  w_ = h_ = size > 0 ? std::max(size, 8) : (n <= 4 ? 32 : 48);
  max_ticks_ = s.ticks(s.settings.number("max_seconds"));
  tick_ = 0;
  grid_.assign(static_cast<std::size_t>(w_) * static_cast<std::size_t>(h_), 0);
  riders_.assign(static_cast<std::size_t>(n), Rider{});
  // Eight start posts; the seed decides who gets which.
  const int q = w_ / 4;
  // A pinwheel: nobody starts riding straight at anybody else.
  const std::array<std::array<int, 3>, 8> posts{{{q, h_ / 2, 0},
                                                 {w_ - 1 - q, h_ / 2, 2},
                                                 {w_ / 2, q, 1},
                                                 {w_ / 2, h_ - 1 - q, 3},
                                                 {q, q, 1},
                                                 {w_ - 1 - q, h_ - 1 - q, 3},
                                                 {w_ - 1 - q, q, 2},
                                                 {q, h_ - 1 - q, 0}}};
  std::vector<int> order(8);
  std::iota(order.begin(), order.end(), 0);
  Random rng(s.seed);
  rng.shuffle(order.begin(), order.begin() + std::max(n, 2));
  for (int i = 0; i < n; ++i) {
    const auto& p = posts[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
    place(i, p[0], p[1], p[2]);
  }
}

void Cycles::place(int seat, int x, int y, int dir) {
  auto& r = riders_.at(static_cast<std::size_t>(seat));
  const bool inside = r.x >= 0 && r.y >= 0 && r.x < w_ && r.y < h_;
  if (inside && grid_[index(r.x, r.y)] == seat + 1 && r.cells == 0) grid_[index(r.x, r.y)] = 0;  // its start post
  r.x = x;
  r.y = y;
  r.dir = dir;
  grid_[index(x, y)] = static_cast<std::uint8_t>(seat + 1);
}

void Cycles::input(int seat, const json::value& d) {
  if (seat < 0 || seat >= static_cast<int>(riders_.size())) throw InputError("invalid_seat", "no such seat");
  if (over()) throw InputError("match_over", "the match is over");
  auto& r = riders_[static_cast<std::size_t>(seat)];
  if (!r.alive) throw InputError("not_alive", "your cycle is out");
  if (r.inputs_this_tick >= kMaxInputsPerTick) throw InputError("too_fast", "at most 2 inputs per tick");
  if (!d.is_object()) throw InputError("invalid_input", "an input is {\"turn\":\"left\"|\"right\"} or {\"dir\":...}");
  const auto& o = d.as_object();
  const int base = r.pending_dir >= 0 ? r.pending_dir : r.dir;
  int next = -1;
  if (const auto* t = o.if_contains("turn"); t != nullptr && t->is_string()) {
    if (t->as_string() == "left") next = (base + 3) % 4;
    if (t->as_string() == "right") next = (base + 1) % 4;
  } else if (const auto* dir = o.if_contains("dir"); dir != nullptr && dir->is_string()) {
    next = dir_from(dir->as_string());
    if (next >= 0 && next == (r.dir + 2) % 4) throw InputError("invalid_input", "a cycle cannot reverse");
  }
  if (next < 0)
    throw InputError("invalid_input",
                     "an input is {\"turn\":\"left\"|\"right\"} or {\"dir\":\"up\"|\"right\"|\"down\"|\"left\"}");
  if (next == (r.dir + 2) % 4) throw InputError("invalid_input", "a cycle cannot reverse");
  r.pending_dir = next;
  ++r.inputs_this_tick;
}

void Cycles::kill(int seat, const char* cause) {
  auto& r = riders_[static_cast<std::size_t>(seat)];
  r.alive = false;
  r.died_at = tick_;
  emit("cycles.crash", {{"seat", seat}, {"cause", cause}, {"x", r.x}, {"y", r.y}});
}

void Cycles::tick(TickOutput& out) {
  auto& delta = out.delta;
  if (over()) return;
  ++tick_;
  const int n = static_cast<int>(riders_.size());
  std::vector<std::pair<int, int>> next(static_cast<std::size_t>(n));
  std::vector<const char*> dies(static_cast<std::size_t>(n), nullptr);  // the cause, for who goes out
  for (int i = 0; i < n; ++i) {
    auto& r = riders_[static_cast<std::size_t>(i)];
    r.inputs_this_tick = 0;
    if (!r.alive) continue;
    if (r.pending_dir >= 0) r.dir = r.pending_dir;
    r.pending_dir = -1;
    next[static_cast<std::size_t>(i)] = {r.x + kDx[static_cast<std::size_t>(r.dir)],
                                         r.y + kDy[static_cast<std::size_t>(r.dir)]};
    const auto [nx, ny] = next[static_cast<std::size_t>(i)];
    if (nx < 0 || ny < 0 || nx >= w_ || ny >= h_) {
      dies[static_cast<std::size_t>(i)] = "wall";
    } else if (grid_[index(nx, ny)] != 0) {
      dies[static_cast<std::size_t>(i)] = grid_[index(nx, ny)] == i + 1 ? "own_trail" : "trail";
    }
  }
  // Two cycles entering one cell, or swapping cells head-on, both go out.
  for (int i = 0; i < n; ++i) {
    const auto& a = riders_[static_cast<std::size_t>(i)];
    if (!a.alive) continue;
    for (int j = i + 1; j < n; ++j) {
      const auto& b = riders_[static_cast<std::size_t>(j)];
      if (!b.alive) continue;
      const auto& na = next[static_cast<std::size_t>(i)];
      const auto& nb = next[static_cast<std::size_t>(j)];
      const bool same = na == nb;
      const bool swap = na == std::pair{b.x, b.y} && nb == std::pair{a.x, a.y};
      if (same || swap) {
        for (int k : {i, j})
          if (dies[static_cast<std::size_t>(k)] == nullptr) dies[static_cast<std::size_t>(k)] = "head_on";
      }
    }
  }
  json::array moves;
  json::array deaths;
  for (int i = 0; i < n; ++i) {
    auto& r = riders_[static_cast<std::size_t>(i)];
    if (!r.alive) continue;
    if (dies[static_cast<std::size_t>(i)] != nullptr) {
      kill(i, dies[static_cast<std::size_t>(i)]);
      deaths.push_back(i);
      continue;
    }
    r.x = next[static_cast<std::size_t>(i)].first;
    r.y = next[static_cast<std::size_t>(i)].second;
    ++r.cells;
    grid_[index(r.x, r.y)] = static_cast<std::uint8_t>(i + 1);
    moves.push_back(json::array{i, r.x, r.y, r.dir});
  }
  delta["moves"] = std::move(moves);
  if (!deaths.empty()) delta["out"] = std::move(deaths);
}

void Cycles::forfeit(int seat) {
  if (seat < 0 || seat >= static_cast<int>(riders_.size())) return;
  if (riders_[static_cast<std::size_t>(seat)].alive) kill(seat, "forfeit");
}

bool Cycles::over() const {
  if (tick_ >= max_ticks_) return true;
  const auto alive = std::count_if(riders_.begin(), riders_.end(), [](const Rider& r) { return r.alive; });
  return riders_.size() > 1 ? alive <= 1 : alive == 0;
}

GameResult Cycles::result() const {
  GameResult out;
  const int n = static_cast<int>(riders_.size());
  for (int i = 0; i < n; ++i) {
    const auto& r = riders_[static_cast<std::size_t>(i)];
    // Place = 1 + how many outlasted this rider (alive at the end counts as lasting longest).
    int better = 0;
    for (const auto& o : riders_) {
      if (&o == &r) continue;
      const bool o_longer = r.alive ? false : (o.alive || o.died_at > r.died_at);
      better += o_longer ? 1 : 0;
    }
    Placement p;
    p.seat = i;
    p.place = better + 1;
    p.stats = {{"cells", r.cells}, {"survived_ticks", r.alive ? tick_ : r.died_at}};
    out.placements.push_back(std::move(p));
  }
  out.summary = {{"ticks", tick_}, {"grid", json::array{w_, h_}}};
  return out;
}

json::object Cycles::snapshot(int /*viewer*/) const {  // nothing is hidden
  json::array riders;
  for (std::size_t i = 0; i < riders_.size(); ++i) {
    const auto& r = riders_[i];
    riders.push_back(json::object{
        {"seat", i}, {"x", r.x}, {"y", r.y}, {"dir", kDirNames[static_cast<std::size_t>(r.dir)]}, {"alive", r.alive}});
  }
  // The grid row by row: '.' empty, '1'..'8' a trail of that seat + 1.
  std::string cells(grid_.size(), '.');
  for (std::size_t i = 0; i < grid_.size(); ++i)
    if (grid_[i] != 0) cells[i] = static_cast<char>('0' + grid_[i]);
  return {{"w", w_}, {"h", h_}, {"riders", std::move(riders)}, {"grid", std::move(cells)}};
}

std::uint64_t Cycles::state_hash() const {
  std::uint64_t h = fnv1a(grid_.data(), grid_.size());
  for (const auto& r : riders_) {
    const std::array<int, 5> v{r.x, r.y, r.dir, r.alive ? 1 : 0, r.died_at};
    h = fnv1a(v.data(), sizeof v, h);
  }
  return fnv1a(&tick_, sizeof tick_, h);
}

// ---------------------------------------------------------------- bot

namespace {

// Free cells reachable from (x, y), counting up to `limit` (a bounded flood fill).
int open_space(const Cycles& g, int x, int y, int limit) {
  if (g.blocked(x, y)) return 0;
  thread_local std::vector<std::uint32_t> seen;
  thread_local std::uint32_t stamp = 0;
  thread_local std::vector<std::pair<int, int>> queue;
  const std::size_t cells = static_cast<std::size_t>(g.width()) * static_cast<std::size_t>(g.height());
  if (seen.size() < cells) seen.assign(cells, 0);
  if (++stamp == 0) {
    std::fill(seen.begin(), seen.end(), 0);
    stamp = 1;
  }
  queue.clear();
  queue.emplace_back(x, y);
  seen[static_cast<std::size_t>(y) * static_cast<std::size_t>(g.width()) + static_cast<std::size_t>(x)] = stamp;
  for (std::size_t head = 0; head < queue.size() && static_cast<int>(queue.size()) < limit; ++head) {
    const auto [cx, cy] = queue[head];
    for (std::size_t d = 0; d < 4; ++d) {
      const int nx = cx + Cycles::kDx[d];
      const int ny = cy + Cycles::kDy[d];
      if (g.blocked(nx, ny)) continue;
      auto& s = seen[static_cast<std::size_t>(ny) * static_cast<std::size_t>(g.width()) + static_cast<std::size_t>(nx)];
      if (s == stamp) continue;
      s = stamp;
      queue.emplace_back(nx, ny);
    }
  }
  return static_cast<int>(queue.size());
}

}  // namespace

json::value CyclesBot::choose(const Cycles& g, int seat) {
  const auto& r = g.riders().at(static_cast<std::size_t>(seat));
  if (!r.alive) return nullptr;
  // Another rider's head next to a cell: that cell may be entered by both next tick.
  auto near_head = [&](int x, int y) {
    for (std::size_t i = 0; i < g.riders().size(); ++i) {
      const auto& o = g.riders()[i];
      if (static_cast<int>(i) == seat || !o.alive) continue;
      if (std::abs(o.x - x) + std::abs(o.y - y) <= 1) return true;
    }
    return false;
  };
  // Cheap path: a long clear road ahead and nobody close; keep going without a flood fill.
  const auto fx = static_cast<std::size_t>(r.dir);
  int ahead = 0;
  while (ahead < 6) {
    const int x = r.x + Cycles::kDx[fx] * (ahead + 1);
    const int y = r.y + Cycles::kDy[fx] * (ahead + 1);
    if (g.blocked(x, y) || near_head(x, y)) break;
    ++ahead;
  }
  if (ahead == 6) return nullptr;
  if (ahead >= 3 && open_space(g, r.x + Cycles::kDx[fx], r.y + Cycles::kDy[fx], 24) >= 24) return nullptr;
  int best_dir = r.dir;
  int best = -1;
  for (int turn : {0, 3, 1}) {  // straight, left, right
    const int d = (r.dir + turn) % 4;
    const int nx = r.x + Cycles::kDx[static_cast<std::size_t>(d)];
    const int ny = r.y + Cycles::kDy[static_cast<std::size_t>(d)];
    int space = open_space(g, nx, ny, 96);
    if (space > 0 && near_head(nx, ny)) space /= 8;  // a likely head-on collision
    if (space > best) {
      best = space;
      best_dir = d;
    }
  }
  if (best_dir == r.dir) return nullptr;
  return json::object{{"turn", best_dir == (r.dir + 3) % 4 ? "left" : "right"}};
}

}  // namespace arena::match

ARENA_GAME(cycles) {
  using arena::match::SettingSpec;
  return arena::match::game<arena::match::Cycles, arena::match::CyclesBot>(
      {.name = "cycles",
       .min_players = 2,
       .max_players = 8,
       .tick_rate = 20,
       .forfeit_on_leave = false,
       .settings = {SettingSpec::number("max_seconds", 180, 1, 3600, "after this long the riders still riding draw"),
                    SettingSpec::integer(
                        "size", 0, 0, 128,
                        "the grid's side in cells, at least 8 (0: 32 for up to four riders, else 48)")},
       .score_stats = {"cells"},
       .event_types = {"cycles.crash"},
       .rules = 2});  // 2: start posts drawn with the portable Random (1 used std::shuffle)
}
