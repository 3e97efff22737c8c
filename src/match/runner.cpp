#include "arena/match/runner.hpp"

#include <functional>
#include <stdexcept>

namespace arena::match {
namespace json = boost::json;

namespace {

// One log entry, applied as it was when logged (replay, resume).
void apply_logged(GameMode& game, const LoggedInput& in, std::size_t index) {
  try {
    switch (in.kind) {
      case LoggedInput::Kind::input: game.input(in.seat, in.d); break;
      case LoggedInput::Kind::forfeit: game.forfeit(in.seat); break;
      case LoggedInput::Kind::leave: game.on_leave(in.seat); break;
      case LoggedInput::Kind::rejoin: game.on_rejoin(in.seat); break;
    }
  } catch (const InputError& e) {
    throw std::runtime_error("input " + std::to_string(index) + " at tick " + std::to_string(in.tick) +
                             " was refused on replay: " + e.code());
  }
}

// Re-runs `log` on `game` (started, nothing applied yet) up to `ticks` ticks, or until the game is
// over: each entry before the tick it was logged for; `after` runs after each entry (with it) and
// after each tick (with null). Entries due after the last tick (forfeits) are applied too.
// Returns how many entries were applied.
std::size_t play_log(GameMode& game, const std::vector<LoggedInput>& log, std::uint64_t ticks,
                     const std::function<void(const LoggedInput*)>& after) {
  std::size_t next = 0;
  auto apply_due = [&] {
    for (; next < log.size() && log[next].tick == game.tick_count(); ++next) {
      apply_logged(game, log[next], next);
      after(&log[next]);
    }
  };
  while (game.tick_count() < ticks && !game.over()) {
    apply_due();
    TickOutput out;
    game.tick(out);
    after(nullptr);
  }
  apply_due();
  return next;
}

}  // namespace

MatchRunner::MatchRunner(MatchSpec spec, const GameInfo& info, BotFactory make_bot)
    : spec_(std::move(spec)),
      info_(info),
      game_(info.make()),
      make_bot_(std::move(make_bot)),
      settings_(GameSettings::parse(info.settings, spec_.settings)) {
  if (!make_bot_) make_bot_ = [](const GameInfo& g, const MatchSpec&, int) { return g.make_bot(); };
  spec_.settings = settings_.values();  // the record keeps every value, defaults included
  if (spec_.tick_rate <= 0) spec_.tick_rate = info_.tick_rate;
  spec_.rules = info_.rules;
  game_->start(GameStart{spec_.seats, spec_.seed, spec_.tick_rate, settings_});
  take_events();
  bots_.resize(spec_.seats.size());
  for (std::size_t i = 0; i < spec_.seats.size(); ++i)
    if (spec_.seats[i].bot) bots_[i] = make_bot_(info_, spec_, static_cast<int>(i));
}

void MatchRunner::take_events() {
  const auto tick = game_->tick_count();
  for (auto& e : game_->take_events()) {
    if (events_.size() >= kMaxEvents) {
      ++events_dropped_;
      continue;
    }
    e.tick = tick;
    events_.push_back(std::move(e));
  }
}

void MatchRunner::input(int seat, const json::value& d) {
  if (over()) throw InputError("match_over", "the match is over");
  if (seat < 0 || seat >= static_cast<int>(bots_.size())) throw InputError("invalid_seat", "no such seat");
  const std::uint64_t before = checked_ ? game_->state_hash() : 0;
  try {
    game_->input(seat, d);
  } catch (const InputError& e) {
    if (checked_ && game_->state_hash() != before)
      throw RuleBroken(info_.name + ": input() changed the state and then refused it (" + e.code() +
                       "); a replay would not see that change");
    throw;
  }
  log_.push_back({game_->tick_count(), seat, d});
  take_events();
}

void MatchRunner::bot_input(int seat, json::value d) {
  try {
    input(seat, d);
  } catch (const InputError&) {
    // a bot's bad idea costs it the move, nothing else
  }
}

TickOutput MatchRunner::step() {
  TickOutput out;
  if (over()) return out;
  for (std::size_t i = 0; i < bots_.size(); ++i) {
    if (!bots_[i]) continue;
    json::value d = bots_[i]->decide(*game_, static_cast<int>(i));
    ++bot_decisions_;
    if (!d.is_null()) bot_input(static_cast<int>(i), std::move(d));
  }
  game_->tick(out);
  take_events();
  return out;
}

json::object MatchRunner::snapshot(int viewer) const {
  return game_->snapshot(viewer);
}

void MatchRunner::rejoined(int seat) {
  game_->on_rejoin(seat);
  log_.push_back({game_->tick_count(), seat, nullptr, LoggedInput::Kind::rejoin});
  take_events();
}

void MatchRunner::set_bot(int seat, bool bot) {
  auto& b = bots_.at(static_cast<std::size_t>(seat));
  if (bot && !b) {
    game_->on_leave(seat);
    log_.push_back({game_->tick_count(), seat, nullptr, LoggedInput::Kind::leave});
    take_events();
    b = make_bot_(info_, spec_, seat);
  }
  if (!bot) b.reset();
}

bool MatchRunner::is_bot(int seat) const {
  return bots_.at(static_cast<std::size_t>(seat)) != nullptr;
}

void MatchRunner::forfeit(int seat) {
  game_->forfeit(seat);
  log_.push_back({game_->tick_count(), seat, nullptr, LoggedInput::Kind::forfeit});
  take_events();
}

void MatchRunner::fail(const std::string& why) {
  error_ = why;
  ended_ = true;
}

std::unique_ptr<MatchRunner> MatchRunner::resume(const MatchSpec& spec, const GameInfo& info,
                                                 std::vector<LoggedInput> log, std::uint64_t ticks, std::uint64_t hash,
                                                 BotFactory make_bot) {
  if (spec.rules != info.rules)
    throw std::runtime_error("started under " + spec.game + " rules " + std::to_string(spec.rules) +
                             "; this build runs rules " + std::to_string(info.rules));
  auto r = std::make_unique<MatchRunner>(spec, info, std::move(make_bot));
  GameMode& game = *r->game_;
  const std::size_t next = play_log(game, log, ticks, [&](const LoggedInput* in) {
    if (in != nullptr && in->kind == LoggedInput::Kind::leave)  // a bot took the seat
      r->bots_.at(static_cast<std::size_t>(in->seat)) = r->make_bot_(info, r->spec_, in->seat);
    r->take_events();
  });
  if (next != log.size() || game.tick_count() != ticks || game.state_hash() != hash)
    throw std::runtime_error("the log does not lead to the checkpointed state (tick " +
                             std::to_string(game.tick_count()) + " of " + std::to_string(ticks) + ", " +
                             std::to_string(next) + " of " + std::to_string(log.size()) + " entries)");
  r->log_ = std::move(log);
  return r;
}

MatchRecord MatchRunner::record() const {
  MatchRecord r;
  r.spec = spec_;
  r.inputs = log_;
  r.events = events_;
  r.events_dropped = events_dropped_ + game_->events_dropped();
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

namespace {

bool same_events(const std::vector<GameEvent>& a, const std::vector<GameEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].tick != b[i].tick || a[i].type != b[i].type || a[i].data != b[i].data) return false;
  return true;
}

}  // namespace

ReplayOutcome replay(const MatchRecord& rec, const GameRegistry& games) {
  const GameInfo* info = games.find(rec.spec.game);
  if (info == nullptr) throw std::runtime_error("unknown game '" + rec.spec.game + "'");
  if (rec.version < kRecordVersion)
    throw std::runtime_error("recorded in format " + std::to_string(rec.version) + " (before settings and logged " +
                             "leaves): this build replays format " + std::to_string(kRecordVersion));
  if (rec.spec.rules != info->rules)
    throw std::runtime_error("recorded under " + rec.spec.game + " rules " + std::to_string(rec.spec.rules) +
                             "; this build runs rules " + std::to_string(info->rules));
  const auto settings = GameSettings::parse(info->settings, rec.spec.settings);
  auto game = info->make();
  game->start(GameStart{rec.spec.seats, rec.spec.seed, rec.spec.tick_rate, settings});
  std::vector<GameEvent> events;
  auto take = [&] {
    for (auto& e : game->take_events()) {
      if (events.size() >= MatchRunner::kMaxEvents) continue;
      e.tick = game->tick_count();
      events.push_back(std::move(e));
    }
  };
  take();
  play_log(*game, rec.inputs, rec.ticks, [&](const LoggedInput*) { take(); });
  ReplayOutcome out;
  out.final_hash = game->state_hash();
  out.ticks = game->tick_count();
  out.same_events = same_events(events, rec.events);
  out.matches = out.final_hash == rec.final_hash && out.ticks == rec.ticks && out.same_events;
  return out;
}

namespace {

const char* kind_name(LoggedInput::Kind k) {
  switch (k) {
    case LoggedInput::Kind::input: return "input";
    case LoggedInput::Kind::forfeit: return "forfeit";
    case LoggedInput::Kind::leave: return "leave";
    case LoggedInput::Kind::rejoin: return "rejoin";
  }
  return "input";
}

LoggedInput::Kind kind_named(std::string_view s) {
  if (s == "forfeit") return LoggedInput::Kind::forfeit;
  if (s == "leave") return LoggedInput::Kind::leave;
  if (s == "rejoin") return LoggedInput::Kind::rejoin;
  if (s == "input") return LoggedInput::Kind::input;
  throw std::invalid_argument("unknown log entry kind");
}

std::int64_t integer(const json::value& v) {
  return v.to_number<std::int64_t>();
}

MatchSpec read_spec(const json::object& o) {
  MatchSpec spec;
  spec.match_id = std::string(o.at("match_id").as_string());
  spec.mode = std::string(o.at("mode").as_string());
  spec.game = std::string(o.at("game").as_string());
  spec.region = std::string(o.at("region").as_string());
  spec.seed = std::stoull(std::string(o.at("seed").as_string()));
  spec.rules = o.contains("rules") ? static_cast<int>(integer(o.at("rules"))) : 1;
  if (o.contains("tick_rate")) spec.tick_rate = static_cast<int>(integer(o.at("tick_rate")));
  if (o.contains("settings")) spec.settings = o.at("settings").as_object();
  for (const auto& s : o.at("seats").as_array())
    spec.seats.push_back(
        {std::string(s.at("user_id").as_string()), s.at("bot").as_bool(), static_cast<int>(integer(s.at("team")))});
  return spec;
}

std::vector<LoggedInput> read_log(const json::value& v, int version) {
  std::vector<LoggedInput> log;
  for (const auto& in : v.as_array()) {
    const auto& a = in.as_array();
    LoggedInput li{static_cast<std::uint64_t>(integer(a.at(0))), static_cast<int>(integer(a.at(1))), a.at(2)};
    if (a.size() > 3) {
      li.kind = kind_named(a.at(3).as_string());
      li.d = nullptr;
    } else if (version < 2 && li.d.is_object() && li.d.as_object().contains("forfeit")) {
      li.kind = LoggedInput::Kind::forfeit;  // format 1 wrote a forfeit as this input
      li.d = nullptr;
    }
    log.push_back(std::move(li));
  }
  return log;
}

}  // namespace

json::object spec_to_json(const MatchSpec& spec) {
  json::array seats;
  for (const auto& s : spec.seats)
    seats.push_back(json::object{{"user_id", s.user_id}, {"bot", s.bot}, {"team", s.team}});
  return {{"match_id", spec.match_id},
          {"mode", spec.mode},
          {"game", spec.game},
          {"rules", spec.rules},
          {"region", spec.region},
          {"seed", std::to_string(spec.seed)},  // as a string: JSON numbers lose 64-bit precision
          {"tick_rate", spec.tick_rate},
          {"settings", spec.settings},
          {"seats", std::move(seats)}};
}

json::array log_to_json(const std::vector<LoggedInput>& log, std::size_t from, std::size_t to) {
  json::array out;  // [tick, seat, d] for an input, [tick, seat, null, kind] for the rest
  for (std::size_t i = from; i < to && i < log.size(); ++i) {
    const auto& in = log[i];
    if (in.kind == LoggedInput::Kind::input) {
      out.push_back(json::array{in.tick, in.seat, in.d});
    } else {
      out.push_back(json::array{in.tick, in.seat, nullptr, kind_name(in.kind)});
    }
  }
  return out;
}

json::object to_json(const MatchRecord& rec) {
  json::array placements;
  for (const auto& p : rec.result.placements)
    placements.push_back(json::object{{"seat", p.seat}, {"place", p.place}, {"stats", p.stats}});
  json::array events;
  for (const auto& e : rec.events) events.push_back(json::object{{"tick", e.tick}, {"type", e.type}, {"data", e.data}});
  json::object o = spec_to_json(rec.spec);
  o["version"] = rec.version;
  o["placements"] = std::move(placements);
  o["summary"] = rec.result.summary;
  o["ticks"] = rec.ticks;
  o["final_hash"] = std::to_string(rec.final_hash);
  o["error"] = rec.error;
  o["events"] = std::move(events);
  o["events_dropped"] = rec.events_dropped;
  o["inputs"] = log_to_json(rec.inputs, 0, rec.inputs.size());
  return o;
}

MatchRecord record_from_json(const json::value& v) {
  try {
    const auto& o = v.as_object();
    MatchRecord r;
    r.version = o.contains("version") ? static_cast<int>(integer(o.at("version"))) : 1;
    r.spec = read_spec(o);
    for (const auto& p : o.at("placements").as_array())
      r.result.placements.push_back({static_cast<int>(integer(p.at("seat"))), static_cast<int>(integer(p.at("place"))),
                                     p.at("stats").as_object()});
    r.result.summary = o.at("summary").as_object();
    r.ticks = static_cast<std::uint64_t>(integer(o.at("ticks")));
    r.final_hash = std::stoull(std::string(o.at("final_hash").as_string()));
    r.error = std::string(o.at("error").as_string());
    if (const auto* events = o.if_contains("events"))
      for (const auto& e : events->as_array())
        r.events.push_back({static_cast<std::uint64_t>(integer(e.at("tick"))), std::string(e.at("type").as_string()),
                            e.at("data").as_object()});
    if (o.contains("events_dropped")) r.events_dropped = static_cast<std::uint64_t>(integer(o.at("events_dropped")));
    r.inputs = read_log(o.at("inputs"), r.version);
    return r;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("not a match record: ") + e.what());
  }
}

MatchSpec spec_from_json(const json::value& v) {
  try {
    return read_spec(v.as_object());
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("not a match spec: ") + e.what());
  }
}

std::vector<LoggedInput> log_from_json(const json::value& v, int version) {
  try {
    return read_log(v, version);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("not a match log: ") + e.what());
  }
}

}  // namespace arena::match
