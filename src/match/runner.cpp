#include "arena/match/runner.hpp"

#include <stdexcept>

namespace arena::match {
namespace json = boost::json;

MatchRunner::MatchRunner(MatchSpec spec, const GameInfo& info, BotFactory make_bot)
    : spec_(std::move(spec)), info_(info), game_(info.make()), make_bot_(std::move(make_bot)) {
  if (!make_bot_) make_bot_ = [](const GameInfo& g, const MatchSpec&, int) { return g.make_bot(); };
  game_->start(spec_.seats, spec_.seed);
  bots_.resize(spec_.seats.size());
  for (std::size_t i = 0; i < spec_.seats.size(); ++i)
    if (spec_.seats[i].bot) bots_[i] = make_bot_(info_, spec_, static_cast<int>(i));
}

void MatchRunner::input(int seat, const json::value& d) {
  if (over()) throw InputError("match_over", "the match is over");
  if (seat < 0 || seat >= static_cast<int>(bots_.size())) throw InputError("invalid_seat", "no such seat");
  game_->input(seat, d);
  log_.push_back({game_->tick_count(), seat, d});
}

json::object MatchRunner::step() {
  json::object delta;
  if (over()) return delta;
  for (std::size_t i = 0; i < bots_.size(); ++i) {
    if (!bots_[i]) continue;
    json::value d = bots_[i]->decide(*game_, static_cast<int>(i));
    ++bot_decisions_;
    if (d.is_null()) continue;
    try {
      game_->input(static_cast<int>(i), d);
      log_.push_back({game_->tick_count(), static_cast<int>(i), std::move(d)});
    } catch (const InputError&) {
      // a bot's bad idea costs it the move, nothing else
    }
  }
  game_->tick(delta);
  return delta;
}

json::object MatchRunner::snapshot() const {
  return game_->snapshot();
}

void MatchRunner::rejoined(int seat) {
  game_->on_rejoin(seat);
}

void MatchRunner::set_bot(int seat, bool bot) {
  auto& b = bots_.at(static_cast<std::size_t>(seat));
  if (bot && !b) game_->on_leave(seat);
  if (bot && !b) b = make_bot_(info_, spec_, seat);
  if (!bot) b.reset();
}

bool MatchRunner::is_bot(int seat) const {
  return bots_.at(static_cast<std::size_t>(seat)) != nullptr;
}

void MatchRunner::forfeit(int seat) {
  game_->forfeit(seat);
  log_.push_back({game_->tick_count(), seat, json::object{{"forfeit", true}}});
}

void MatchRunner::fail(const std::string& why) {
  error_ = why;
  ended_ = true;
}

MatchRecord MatchRunner::record() const {
  MatchRecord r;
  r.spec = spec_;
  r.inputs = log_;
  r.ticks = game_->tick_count();
  r.final_hash = game_->state_hash();
  r.error = error_;
  if (error_.empty()) {
    r.result = game_->result();
  } else {
    r.result.summary = {{"error", error_}};  // no placements: the match did not finish
  }
  return r;
}

ReplayOutcome replay(const MatchRecord& rec, const GameRegistry& games) {
  const GameInfo* info = games.find(rec.spec.game);
  if (info == nullptr) throw std::runtime_error("unknown game '" + rec.spec.game + "'");
  auto game = info->make();
  game->start(rec.spec.seats, rec.spec.seed);
  std::size_t next = 0;
  auto apply_due = [&] {
    for (; next < rec.inputs.size() && rec.inputs[next].tick == game->tick_count(); ++next) {
      const auto& in = rec.inputs[next];
      const auto* o = in.d.is_object() ? in.d.as_object().if_contains("forfeit") : nullptr;
      try {
        if (o != nullptr) {
          game->forfeit(in.seat);
        } else {
          game->input(in.seat, in.d);
        }
      } catch (const InputError& e) {
        throw std::runtime_error("input " + std::to_string(next) + " at tick " + std::to_string(in.tick) +
                                 " was refused on replay: " + e.code());
      }
    }
  };
  while (game->tick_count() < rec.ticks) {
    apply_due();
    json::object delta;
    game->tick(delta);
    if (game->over() && game->tick_count() < rec.ticks) break;
  }
  apply_due();  // forfeits after the last tick
  ReplayOutcome out;
  out.final_hash = game->state_hash();
  out.ticks = game->tick_count();
  out.matches = out.final_hash == rec.final_hash && out.ticks == rec.ticks;
  return out;
}

json::object to_json(const MatchRecord& rec) {
  json::array seats;
  for (const auto& s : rec.spec.seats)
    seats.push_back(json::object{{"user_id", s.user_id}, {"bot", s.bot}, {"team", s.team}});
  json::array inputs;
  for (const auto& in : rec.inputs) inputs.push_back(json::array{in.tick, in.seat, in.d});
  json::array placements;
  for (const auto& p : rec.result.placements)
    placements.push_back(json::object{{"seat", p.seat}, {"place", p.place}, {"stats", p.stats}});
  return {{"match_id", rec.spec.match_id},
          {"mode", rec.spec.mode},
          {"game", rec.spec.game},
          {"region", rec.spec.region},
          {"seed", std::to_string(rec.spec.seed)},  // as a string: JSON numbers lose 64-bit precision
          {"seats", std::move(seats)},
          {"placements", std::move(placements)},
          {"summary", rec.result.summary},
          {"ticks", rec.ticks},
          {"final_hash", std::to_string(rec.final_hash)},
          {"error", rec.error},
          {"inputs", std::move(inputs)}};
}

MatchRecord record_from_json(const json::value& v) {
  try {
    const auto& o = v.as_object();
    MatchRecord r;
    r.spec.match_id = std::string(o.at("match_id").as_string());
    r.spec.mode = std::string(o.at("mode").as_string());
    r.spec.game = std::string(o.at("game").as_string());
    r.spec.region = std::string(o.at("region").as_string());
    r.spec.seed = std::stoull(std::string(o.at("seed").as_string()));
    for (const auto& s : o.at("seats").as_array())
      r.spec.seats.push_back({std::string(s.at("user_id").as_string()), s.at("bot").as_bool(),
                              static_cast<int>(s.at("team").to_number<std::int64_t>())});
    for (const auto& p : o.at("placements").as_array())
      r.result.placements.push_back({static_cast<int>(p.at("seat").to_number<std::int64_t>()),
                                     static_cast<int>(p.at("place").to_number<std::int64_t>()),
                                     p.at("stats").as_object()});
    r.result.summary = o.at("summary").as_object();
    r.ticks = static_cast<std::uint64_t>(o.at("ticks").to_number<std::int64_t>());
    r.final_hash = std::stoull(std::string(o.at("final_hash").as_string()));
    r.error = std::string(o.at("error").as_string());
    for (const auto& in : o.at("inputs").as_array()) {
      const auto& a = in.as_array();
      r.inputs.push_back({static_cast<std::uint64_t>(a.at(0).to_number<std::int64_t>()),
                          static_cast<int>(a.at(1).to_number<std::int64_t>()), a.at(2)});
    }
    return r;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("not a match record: ") + e.what());
  }
}

}  // namespace arena::match
