// The matchmaker role: tickets, parties and match forming.
#include <stdexcept>

#include "arena/match/game_mode.hpp"
#include "arena/match/runner.hpp"
#include "arena/matchmaking/mode.hpp"
#include "arena/matchmaking/service.hpp"
#include "roles.hpp"

namespace arena::app {
namespace {

// Every mode must name a game the match host knows, with a seat count that game can seat.
void check_games(const std::vector<matchmaking::ModeConfig>& modes, const match::GameRegistry& games) {
  for (const auto& m : modes) {
    const auto* g = games.find(m.game);
    if (g == nullptr)
      throw std::invalid_argument("setting 'matchmaking.modes." + m.name + ".game': no game named '" + m.game + "'");
    if (m.seat_count() > g->max_players)
      throw std::invalid_argument("matchmaking mode '" + m.name + "': " + std::to_string(m.seat_count()) +
                                  " seats, but " + m.game + " seats at most " + std::to_string(g->max_players));
    boost::json::object given;
    for (const auto& [k, v] : m.game_settings) given[k] = v;
    try {
      match::GameSettings::parse(g->settings, given);
    } catch (const match::SettingError& e) {
      throw std::invalid_argument("setting 'matchmaking.modes." + m.name + ".settings." + e.key() + "': " + e.what());
    }
  }
}

class MatchmakerRole final : public Component {
 public:
  MatchmakerRole(const matchmaking::Settings& s, Shared& shared) : settings_(s), shared_(shared) {}
  ~MatchmakerRole() override { stop(); }

  std::string_view name() const override { return "matchmaker"; }

  void start() override {
    auto modes = matchmaking::configured_modes(settings_.modes, settings_.builtin_modes);
    check_games(modes, match::builtin_games());
    ratings_ = std::make_unique<matchmaking::FixedRating>(settings_.default_rating);
    service_ = std::make_unique<matchmaking::MatchmakerService>(shared_.bus, shared_.clock, std::move(modes), *ratings_,
                                                                shared_.registry, settings_, &shared_.timers);
  }

  void stop() override {
    service_.reset();  // its strand publishes through the bus
  }

 private:
  const matchmaking::Settings settings_;
  Shared& shared_;
  std::unique_ptr<matchmaking::RatingSource> ratings_;
  std::unique_ptr<matchmaking::MatchmakerService> service_;
};

}  // namespace

std::unique_ptr<Component> matchmaker_role(const matchmaking::Settings& settings, Shared& shared) {
  return std::make_unique<MatchmakerRole>(settings, shared);
}

}  // namespace arena::app
