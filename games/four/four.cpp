#include "four.hpp"

namespace arena::match {
namespace json = boost::json;

void Four::start(const GameStart& s) {
  if (s.seats.size() != 2) throw std::invalid_argument("four takes exactly 2 seats");
  board_.fill(-1);
  to_move_ = static_cast<int>(s.seed % 2);  // the seed decides who starts
  turn_ticks_ = s.ticks(s.settings.number("turn_seconds"));
  winner_ = -1;
  draw_ = false;
  tick_ = turn_started_ = moves_ = 0;
}

int Four::landing_row(int col) const {
  for (int row = 0; row < kRows; ++row)
    if (cell(col, row) < 0) return row;
  return -1;
}

bool Four::four_from(int col, int row, int seat) const {
  static constexpr std::array<std::array<int, 2>, 4> kDirs{{{1, 0}, {0, 1}, {1, 1}, {1, -1}}};
  for (const auto& [dc, dr] : kDirs) {
    int run = 1;
    for (int sign : {1, -1}) {
      for (int k = 1; k < 4; ++k) {
        const int c = col + sign * dc * k;
        const int r = row + sign * dr * k;
        if (c < 0 || c >= kCols || r < 0 || r >= kRows || cell(c, r) != seat) break;
        ++run;
      }
    }
    if (run >= 4) return true;
  }
  return false;
}

bool Four::wins_with(int seat, int col) const {
  const int row = landing_row(col);
  return row >= 0 && four_from(col, row, seat);
}

void Four::input(int seat, const json::value& d) {
  if (seat < 0 || seat > 1) throw InputError("invalid_seat", "no such seat");
  if (decided()) throw InputError("match_over", "the game is over");
  if (seat != to_move_) throw InputError("not_your_turn", "wait for your turn");
  const auto* c = d.is_object() ? d.as_object().if_contains("column") : nullptr;
  if (c == nullptr || !c->is_int64() || c->as_int64() < 0 || c->as_int64() >= kCols)
    throw InputError("invalid_input", "an input is {\"column\": 0-6}");
  const int col = static_cast<int>(c->as_int64());
  const int row = landing_row(col);
  if (row < 0) throw InputError("column_full", "that column is full");
  board_[at(col, row)] = seat;
  ++moves_;
  last_col_ = col;
  moved_since_tick_ = true;
  if (four_from(col, row, seat)) {
    winner_ = seat;
    end_reason_ = "four_in_a_row";
  } else if (moves_ == kCols * kRows) {
    draw_ = true;
    end_reason_ = "board_full";
  }
  to_move_ = 1 - seat;
  turn_started_ = tick_;
}

void Four::tick(TickOutput& out) {
  auto& delta = out.delta;
  if (over()) return;
  ++tick_;
  if (moved_since_tick_) {
    delta["column"] = last_col_;
    delta["to_move"] = to_move_;
    moved_since_tick_ = false;
    if (winner_ >= 0) delta["winner"] = winner_;  // the deciding move, announced with its tick
    if (draw_) delta["draw"] = true;
  }
  if (!decided() && tick_ - turn_started_ >= turn_ticks_) {  // the turn clock ran out
    winner_ = 1 - to_move_;
    end_reason_ = "turn_timeout";
    delta["timeout"] = to_move_;
  }
}

void Four::forfeit(int seat) {
  if (decided() || seat < 0 || seat > 1) return;
  winner_ = 1 - seat;
  end_reason_ = "forfeit";
}

GameResult Four::result() const {
  GameResult out;
  for (int s = 0; s < 2; ++s) {
    Placement p;
    p.seat = s;
    p.place = draw_ || winner_ < 0 ? 1 : (winner_ == s ? 1 : 2);
    int pieces = 0;
    for (int v : board_) pieces += v == s ? 1 : 0;
    p.stats = {{"pieces", pieces}};
    out.placements.push_back(std::move(p));
  }
  out.summary = {{"moves", moves_}, {"reason", end_reason_}};
  return out;
}

json::object Four::snapshot(int /*viewer*/) const {  // nothing is hidden
  json::array rows;                                  // bottom row first: "." empty, "0"/"1" a seat's piece
  for (int r = 0; r < kRows; ++r) {
    std::string row;
    for (int c = 0; c < kCols; ++c) row.push_back(cell(c, r) < 0 ? '.' : static_cast<char>('0' + cell(c, r)));
    rows.push_back(json::string(row));
  }
  return {{"rows", std::move(rows)}, {"to_move", to_move_}, {"turn_ticks_left", turn_ticks_ - (tick_ - turn_started_)}};
}

std::uint64_t Four::state_hash() const {
  std::uint64_t h = fnv1a(board_.data(), sizeof board_);
  const std::array<int, 4> v{to_move_, winner_, draw_ ? 1 : 0, moves_};
  return fnv1a(v.data(), sizeof v, h);
}

json::value FourBot::choose(const Four& g, int seat) {
  if (g.decided() || g.to_move() != seat) return nullptr;
  for (int c = 0; c < Four::kCols; ++c)
    if (g.wins_with(seat, c)) return json::object{{"column", c}};
  for (int c = 0; c < Four::kCols; ++c)
    if (g.wins_with(1 - seat, c)) return json::object{{"column", c}};
  for (int c : {3, 2, 4, 1, 5, 0, 6})
    if (g.landing_row(c) >= 0) return json::object{{"column", c}};
  return nullptr;
}

}  // namespace arena::match

ARENA_GAME(four) {
  return arena::match::game<arena::match::Four, arena::match::FourBot>(
      {.name = "four",
       .min_players = 2,
       .max_players = 2,
       .tick_rate = 1,
       .forfeit_on_leave = true,
       .settings = {arena::match::SettingSpec::number("turn_seconds", 30, 1, 600,
                                                      "a player who has not moved after this long loses")},
       .score_stats = {"pieces"},  // pieces the seat dropped: a board of quickest wins takes it, ascending
       .rules = 2});               // 2: the deciding move ends the game at the next tick, with its delta (1: at once)
}
