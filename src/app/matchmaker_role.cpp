// The matchmaker role: tickets, parties and match forming; in a cluster on PostgreSQL, one of
// any number of matchmaker processes at a time (the leader lock).
#include <stdexcept>

#include <mutex>
#include <unordered_map>

#include "arena/core/log.hpp"
#include "arena/match/game_mode.hpp"
#include "arena/match/runner.hpp"
#include "arena/matchmaking/mode.hpp"
#include "arena/matchmaking/service.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/ratings/ratings.hpp"
#include "arena/runtime/strand.hpp"
#include "arena/runtime/timers.hpp"
#include "arena/storage/pg_leader.hpp"
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

// The matchmaker's ratings, in memory: a ticket takes its players' ratings without I/O. A
// player's ratings are loaded (on a loader strand) when their session opens, kept current by
// rating.changed, and dropped when they go offline. A player not loaded yet, or not rated in
// the mode, gets matchmaking.default_rating. `db` (may be null: only rating.changed fills it) is
// where ratings are kept: this process's SQLite, or the cluster's PostgreSQL.
class CachedRatings final : public matchmaking::RatingSource {
 public:
  CachedRatings(double fallback, bus::Bus& bus, ratings::RatingStore* db, metrics::Registry& registry)
      : fallback_(fallback),
        db_(db),
        players_(
            registry.gauge("matchmaker_rating_cache_players", "Players whose ratings the matchmaker holds").with({})) {
    subs_.push_back(bus.subscribe(protocol::kRatingChanged, [this](const bus::Message& m) {
      if (const auto r = protocol::decode<protocol::RatingChanged>(m.data)) set(r->user_id, r->mode, r->display);
    }));
    if (db_ != nullptr)
      subs_.push_back(bus.subscribe(protocol::kSessionOpened, [this](const bus::Message& m) {
        const auto e = protocol::decode<protocol::SessionEvent>(m.data);
        if (!e) return;
        loader_.post([this, user = e->user_id] { load(user); });
      }));
    subs_.push_back(bus.subscribe(protocol::kPresenceChangedAll, [this](const bus::Message& m) {
      const auto p = protocol::decode<protocol::PresenceChanged>(m.data);
      if (!p || p->online) return;
      std::lock_guard lock(mu_);
      by_user_.erase(p->user_id);
      players_.set(static_cast<double>(by_user_.size()));
    }));
  }
  ~CachedRatings() override {
    subs_.clear();
    loader_.stop();
  }

  double rating(std::string_view user_id, std::string_view mode) override {
    std::lock_guard lock(mu_);
    auto u = by_user_.find(std::string(user_id));
    if (u == by_user_.end()) return fallback_;
    auto m = u->second.find(std::string(mode));
    return m == u->second.end() ? fallback_ : m->second;
  }

 private:
  void set(const std::string& user, const std::string& mode, double display) {
    std::lock_guard lock(mu_);
    by_user_[user][mode] = display;
    players_.set(static_cast<double>(by_user_.size()));
  }
  void load(const std::string& user) {
    try {
      const auto all = db_->all_of(user);
      std::lock_guard lock(mu_);
      auto& mine = by_user_[user];
      for (const auto& r : all) mine.emplace(r.mode, r.display);  // a newer rating.changed wins
      players_.set(static_cast<double>(by_user_.size()));
    } catch (const std::exception& e) {
      log::get("matchmaker")->error("msg=\"loading ratings failed\" user_id={} error=\"{}\"", user, e.what());
    }
  }

  const double fallback_;
  ratings::RatingStore* db_;
  metrics::Gauge& players_;
  std::mutex mu_;
  std::unordered_map<std::string, std::map<std::string, double>> by_user_;
  runtime::Strand loader_{"ratings-cache", runtime::Priority::background};
  std::vector<std::unique_ptr<bus::Subscription>> subs_;
};

class MatchmakerRole final : public Component {
 public:
  MatchmakerRole(const matchmaking::Settings& s, Shared& shared) : settings_(s), shared_(shared) {}
  ~MatchmakerRole() override { stop(); }

  std::string_view name() const override { return "matchmaker"; }

  void start() override {
    modes_ = matchmaking::configured_modes(settings_.modes, settings_.builtin_modes);
    check_games(modes_, match::builtin_games());
    if (shared_.pg != nullptr)
      store_ = std::make_unique<ratings::PostgresRatingStore>(*shared_.pg);
    else if (shared_.db != nullptr)
      store_ = std::make_unique<ratings::SqliteRatingStore>(*shared_.db);
    ratings_ = std::make_unique<CachedRatings>(settings_.default_rating, shared_.bus, store_.get(), shared_.registry);
    if (shared_.pg == nullptr) {  // one matchmaker (embedded, or a cluster without PostgreSQL)
      lead();
      return;
    }
    // Any number of matchmaker processes; the one holding the leader lock in PostgreSQL forms
    // matches (only it subscribes to the ops), the others check every second and take over
    // when it goes. Tickets and parties lived in the old leader's memory: players re-queue.
    leader_lock_ = std::make_unique<storage::PgLeaderLock>(shared_.pg->url(), storage::kMatchmakerLeaderKey);
    elect();  // at once: a lone matchmaker serves from its start
    election_ =
        shared_.timers.every("matchmaker-election", std::chrono::seconds(1), election_strand_, [this] { elect(); });
  }

  void stop() override {
    election_.reset();
    election_strand_.stop();  // joins: no election runs after it
    service_.reset();         // its strand publishes through the bus
  }

 private:
  void lead() {
    matchmaking::MatchmakerService::Emit emit;
    if (auto* events = shared_.events)
      emit = [events](std::string_view type, const std::string& user, const std::string& mode,
                      const std::string& region, const std::string& match_id, boost::json::object data) {
        events->emit(type, {.user_id = user, .match_id = match_id, .mode = mode, .region = region}, std::move(data));
      };
    service_ = std::make_unique<matchmaking::MatchmakerService>(shared_.bus, shared_.clock, modes_, *ratings_,
                                                                shared_.registry, settings_, &shared_.timers,
                                                                std::move(emit));
    leader_.set(1);
  }
  // On the election strand (and once in start(), before it runs).
  void elect() {
    const bool holding = leader_lock_->hold();
    if (holding && !service_) {
      log::get("matchmaker")->info("msg=\"leading: this matchmaker forms the matches\"");
      lead();
    } else if (!holding && service_) {
      log::get("matchmaker")->warn("msg=\"not leading any more: the leader lock is lost\"");
      service_.reset();
      leader_.set(0);
    }
  }

  const matchmaking::Settings settings_;
  Shared& shared_;
  std::vector<matchmaking::ModeConfig> modes_;
  std::unique_ptr<ratings::RatingStore> store_;
  std::unique_ptr<matchmaking::RatingSource> ratings_;
  metrics::Gauge& leader_ =
      shared_.registry
          .gauge("matchmaker_leader", "1 while this matchmaker forms the matches (the one holding the leader lock)")
          .with({});
  std::unique_ptr<storage::PgLeaderLock> leader_lock_;
  runtime::Strand election_strand_{"matchmaker-election", runtime::Priority::background};
  std::unique_ptr<runtime::Timers::Timer> election_;
  std::unique_ptr<matchmaking::MatchmakerService> service_;
};

}  // namespace

std::unique_ptr<Component> matchmaker_role(const matchmaking::Settings& settings, Shared& shared) {
  return std::make_unique<MatchmakerRole>(settings, shared);
}

}  // namespace arena::app
