#pragma once
// cycles: light cycles on a grid. Every tick each living cycle moves one cell in its direction
// and leaves a trail; a cycle that would enter a wall, any trail, or the cell another cycle
// enters in the same tick (or swaps cells with it head-on) is out. The last one riding wins;
// cycles that go out in the same tick share their place. Inputs are turns:
// {"turn":"left"|"right"} or {"dir":"up"|"right"|"down"|"left"} (no reversing into your trail).
// Settings: `max_seconds` (then the survivors draw) and `size` (the grid's side; 0: 32 for up
// to four riders, else 48). Every crash is a `cycles.crash` event with its cause.
#include <array>
#include <cstdint>
#include <vector>

#include "arena/match/game_mode.hpp"

namespace arena::match {

class Cycles final : public GameMode {
 public:
  static constexpr int kMaxInputsPerTick = 2;

  struct Rider {
    int x = 0, y = 0;
    int dir = 0;  // 0 up, 1 right, 2 down, 3 left
    bool alive = true;
    int died_at = -1;
    int pending_dir = -1;  // applied at the next tick
    int inputs_this_tick = 0;
    int cells = 0;
  };

  void start(const GameStart& s) override;
  void input(int seat, const boost::json::value& d) override;
  void tick(TickOutput& out) override;
  bool over() const override;
  GameResult result() const override;
  boost::json::object snapshot(int viewer) const override;
  std::uint64_t state_hash() const override;
  std::uint64_t tick_count() const override { return static_cast<std::uint64_t>(tick_); }
  void forfeit(int seat) override;

  // For bots and tests.
  int width() const { return w_; }
  int height() const { return h_; }
  int max_ticks() const { return max_ticks_; }
  bool blocked(int x, int y) const { return x < 0 || y < 0 || x >= w_ || y >= h_ || grid_[index(x, y)] != 0; }
  const std::vector<Rider>& riders() const { return riders_; }
  static constexpr std::array<int, 4> kDx{0, 1, 0, -1};
  static constexpr std::array<int, 4> kDy{-1, 0, 1, 0};
  // Test set-up: place a rider exactly.
  void place(int seat, int x, int y, int dir);

 private:
  std::size_t index(int x, int y) const {
    return static_cast<std::size_t>(y) * static_cast<std::size_t>(w_) + static_cast<std::size_t>(x);
  }
  void kill(int seat, const char* cause);

  int w_ = 0, h_ = 0;
  int max_ticks_ = 0;
  int tick_ = 0;
  std::vector<std::uint8_t> grid_;  // 0 empty, else 1 + seat of the trail
  std::vector<Rider> riders_;
};

// Rule-based: keep away from walls and trails, prefer the move with the most open space.
class CyclesBot final : public Bot<Cycles> {
 public:
  boost::json::value choose(const Cycles& g, int seat) override;
};

}  // namespace arena::match
