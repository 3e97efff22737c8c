#include <stdexcept>

#include "arena/match/game_mode.hpp"
#include "cycles.hpp"
#include "four.hpp"

namespace arena::match {

void GameRegistry::add(GameInfo info) {
  if (info.name.empty() || !info.make || !info.make_bot)
    throw std::invalid_argument("a game needs a name, make and make_bot");
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

GameRegistry builtin_games() {
  GameRegistry r;
  r.add({"cycles", 2, 8, 20, /*forfeit_on_leave=*/false, [] { return std::make_unique<Cycles>(); },
         [] { return std::make_unique<CyclesBot>(); }});
  r.add({"four", 2, 2, 1, /*forfeit_on_leave=*/true, [] { return std::make_unique<Four>(); },
         [] { return std::make_unique<FourBot>(); }});
  return r;
}

}  // namespace arena::match
