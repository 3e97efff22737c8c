#include <stdexcept>

#include "arena/match/game_mode.hpp"

namespace arena::match {

void GameMode::emit(std::string type, boost::json::object data) {
  if (events_.size() >= kMaxPendingEvents) {
    ++events_dropped_;
    return;
  }
  events_.push_back({0, std::move(type), std::move(data)});
}

void GameRegistry::add(GameInfo info) {
  if (info.name.empty() || !info.make || !info.make_bot)
    throw std::invalid_argument("a game needs a name, make and make_bot");
  if (info.min_players < 1 || info.max_players < info.min_players || info.tick_rate < 1 || info.tick_rate > 1000)
    throw std::invalid_argument("game '" + info.name + "': players must be 1 <= min <= max and tick_rate 1..1000");
  for (const auto& t : info.event_types)  // the pipeline checks the rest of the name
    if (t.rfind(info.name + ".", 0) != 0 || t.size() == info.name.size() + 1)
      throw std::invalid_argument("game '" + info.name + "': event type '" + t + "' must be '" + info.name +
                                  ".<what>'");
  for (const auto& s : info.settings) {  // the defaults must pass the game's own checks
    try {
      GameSettings::parse({s}, {});
    } catch (const SettingError& e) {
      throw std::invalid_argument("game '" + info.name + "': the default of setting '" + s.name + "': " + e.what());
    }
  }
  const std::string name = info.name;
  if (!games_.emplace(name, std::move(info)).second)
    throw std::invalid_argument("game '" + name + "' is registered twice");
}

const GameInfo* GameRegistry::find(std::string_view name) const {
  auto it = games_.find(name);
  return it == games_.end() ? nullptr : &it->second;
}

std::vector<std::string> GameRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, info] : games_) out.push_back(name);
  return out;
}

}  // namespace arena::match
