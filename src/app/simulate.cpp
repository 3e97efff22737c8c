// `arena simulate`: a game played headless by its bots, for game authors and tooling.
#include <boost/json.hpp>

#include <iostream>
#include <map>
#include <sstream>

#include "arena/app/app.hpp"
#include "arena/match/game_mode.hpp"
#include "arena/match/play.hpp"

namespace arena::app {
namespace json = boost::json;

int list_games() {
  const auto games = match::builtin_games();
  for (const auto& name : games.names()) {
    const auto& g = *games.find(name);
    std::cout << name << ": " << g.min_players << ".." << g.max_players << " players, " << g.tick_rate << " Hz, "
              << (g.forfeit_on_leave ? "a seat whose player leaves forfeits" : "a bot takes a seat whose player leaves")
              << ", rules " << g.rules << "\n";
    for (const auto& s : g.settings) std::cout << "  settings." << s.name << ": " << match::describe(s) << "\n";
    const auto list = [](const char* what, const std::vector<std::string>& items) {
      if (items.empty()) return;
      std::cout << "  " << what << ":";
      for (const auto& item : items) std::cout << " " << item;
      std::cout << "\n";
    };
    list("score stats", g.score_stats);
    list("event types", g.event_types);
  }
  return 0;
}

int simulate(const SimulateOptions& o) {
  const auto games = match::builtin_games();
  const auto* info = games.find(o.game);
  if (info == nullptr) {
    std::string names;
    for (const auto& n : games.names()) names += (names.empty() ? "" : ", ") + n;
    std::cerr << "arena: no game named '" << o.game << "' (built in: " << names << ")\n";
    return 2;
  }
  const int seats = o.seats > 0 ? o.seats : info->min_players;
  const int bots = o.bots >= 0 ? o.bots : seats;
  if (seats < info->min_players || seats > info->max_players || bots > seats) {
    std::cerr << "arena: " << o.game << " seats " << info->min_players << ".." << info->max_players
              << " and --bots at most --seats\n";
    return 2;
  }
  json::object settings;
  for (const auto& [k, v] : o.settings) settings[k] = v;  // as written: the game's declaration types them
  auto spec = match::play::spec(*info, match::play::seats(seats - bots, bots), o.seed, settings);
  spec.tick_rate = o.tick_rate;
  match::play::Options options;
  options.max_ticks = o.ticks > 0 ? o.ticks : options.max_ticks;
  match::play::Outcome out;
  try {
    out = match::play::self_play(*info, spec, options);
  } catch (const match::SettingError& e) {
    std::cerr << "arena: --set " << e.key() << ": " << e.what() << "\n";
    return 2;
  } catch (const match::RuleBroken& e) {
    std::cerr << "arena: the game broke a replay rule: " << e.what() << "\n";
    return 1;
  }
  const auto& rec = out.record;
  const auto replayed = match::play::replay_round_trip(rec, games);
  std::map<std::string, int> by_type;
  for (const auto& e : rec.events) ++by_type[e.type];
  if (o.json) {
    json::array placements;
    for (const auto& p : rec.result.placements)
      placements.push_back(json::object{{"seat", p.seat},
                                        {"bot", rec.spec.seats.at(static_cast<std::size_t>(p.seat)).bot},
                                        {"place", p.place},
                                        {"stats", p.stats}});
    json::object events;
    for (const auto& [type, n] : by_type) events[type] = n;
    std::cout << json::serialize(json::object{{"game", o.game},
                                              {"seats", seats},
                                              {"bots", bots},
                                              {"seed", std::to_string(o.seed)},
                                              {"tick_rate", rec.spec.tick_rate},
                                              {"settings", rec.spec.settings},
                                              {"rules", rec.spec.rules},
                                              {"ended", out.ended},
                                              {"ticks", rec.ticks},
                                              {"final_hash", std::to_string(rec.final_hash)},
                                              {"placements", std::move(placements)},
                                              {"summary", rec.result.summary},
                                              {"events", std::move(events)},
                                              {"events_dropped", rec.events_dropped},
                                              {"inputs", rec.inputs.size()},
                                              {"replay_verified", replayed.matches}})
              << "\n";
    return replayed.matches ? 0 : 1;
  }
  std::cout << o.game << ": " << seats << " seats (" << bots << " bots), seed " << o.seed << ", " << rec.spec.tick_rate
            << " Hz, rules " << rec.spec.rules << ", settings";
  for (const auto& kv : rec.spec.settings) {
    std::ostringstream value;  // 30, not Boost.JSON's 3E1
    if (kv.value().is_double()) {
      value << kv.value().get_double();
    } else {
      value << json::serialize(kv.value());
    }
    std::cout << " " << std::string_view(kv.key()) << "=" << value.str();
  }
  std::cout << "\n"
            << (out.ended ? "ended" : "stopped (--ticks)") << " after " << rec.ticks << " ticks ("
            << static_cast<double>(rec.ticks) / rec.spec.tick_rate << " s of game time), " << rec.inputs.size()
            << " inputs\n";
  for (const auto& p : rec.result.placements)
    std::cout << "  place " << p.place << ": seat " << p.seat
              << (rec.spec.seats.at(static_cast<std::size_t>(p.seat)).bot ? " (bot) " : " (idle) ")
              << json::serialize(p.stats) << "\n";
  std::cout << "summary " << json::serialize(rec.result.summary) << "\n";
  std::cout << "events " << rec.events.size();
  for (const auto& [type, n] : by_type) std::cout << " " << type << "=" << n;
  std::cout << "\nfinal hash " << rec.final_hash << "\n"
            << (replayed.matches ? "replay: verified (same state, tick and events)" : "replay: MISMATCH") << "\n";
  return replayed.matches ? 0 : 1;
}

}  // namespace arena::app
