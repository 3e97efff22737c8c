#pragma once
// four: connect four for two players, turn-based. The host ticks it at 1 Hz only to run the
// turn clock: a player who does not move within `turn_seconds` (a setting) loses the game.
// Input: {"column": 0-6}, only from the player whose turn it is.
#include <array>
#include <cstdint>

#include "arena/match/game_mode.hpp"

namespace arena::match {

class Four final : public GameMode {
 public:
  static constexpr int kCols = 7;
  static constexpr int kRows = 6;
  void start(const GameStart& s) override;
  void input(int seat, const boost::json::value& d) override;
  void tick(TickOutput& out) override;
  // Over once the tick after the deciding move has announced it (players see the last piece).
  bool over() const override { return decided() && !moved_since_tick_; }
  bool decided() const { return winner_ >= 0 || draw_; }
  GameResult result() const override;
  boost::json::object snapshot(int viewer) const override;
  std::uint64_t state_hash() const override;
  std::uint64_t tick_count() const override { return static_cast<std::uint64_t>(tick_); }
  void forfeit(int seat) override;

  int to_move() const { return to_move_; }
  int turn_ticks() const { return turn_ticks_; }
  int cell(int col, int row) const { return board_[at(col, row)]; }  // -1 empty
  // Row a piece dropped in `col` lands on, or -1 if the column is full.
  int landing_row(int col) const;
  // Would `seat` win by dropping in `col`?
  bool wins_with(int seat, int col) const;

 private:
  bool four_from(int col, int row, int seat) const;
  static std::size_t at(int col, int row) {
    return static_cast<std::size_t>(row) * kCols + static_cast<std::size_t>(col);
  }

  std::array<int, kCols * kRows> board_{};
  int to_move_ = 0;
  int winner_ = -1;
  bool draw_ = false;
  int tick_ = 0;
  int turn_ticks_ = 30;
  int turn_started_ = 0;
  int moves_ = 0;
  int last_col_ = -1;
  bool moved_since_tick_ = false;
  std::string end_reason_;
};

// Wins when it can, blocks the opponent's win, else prefers the centre.
class FourBot final : public Bot<Four> {
 public:
  boost::json::value choose(const Four& g, int seat) override;
};

}  // namespace arena::match
