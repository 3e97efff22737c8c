#pragma once
// Ratings per player and mode, what one match does to them, and where they are kept.
//
// A mode rates with Glicko-2 or Weng-Lin (the mode's `rating_model`; by default Glicko-2 for
// 1v1 modes and Weng-Lin for every other). Only players are rated: bot seats are left out of the
// computation, so a bot neither has a rating nor moves anyone's. A team of bots only is not
// rated against, and a match with fewer than two rated sides changes nothing (practice).
// Glicko-2 with more than two players rates each player against every other (a win against
// everyone placed below, a draw with equal places, a loss against those above).
//
// The displayed rating (leaderboards, matchmaking, rating.changed): Glicko-2 r - 2 RD (a fresh
// player: 800); Weng-Lin 800 + 40 (mu - 3 sigma) (a fresh player: 800 too).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arena/ratings/models.hpp"

namespace arena::storage {
class Sqlite;
class PgPool;
}  // namespace arena::storage

namespace arena::ratings {

enum class Model { glicko2, weng_lin };
std::string_view name(Model m);
std::optional<Model> model_named(std::string_view s);

struct PlayerRating {
  std::string user_id;
  std::string mode;
  Model model = Model::glicko2;
  double rating = 0, deviation = 0, volatility = 0;  // glicko2: r, RD, sigma; weng_lin: mu, sigma, 0
  double display = 0;
  int games = 0, wins = 0, losses = 0, draws = 0;
  std::int64_t last_played = 0;  // unix ms; 0: never
};

struct Options {
  GlickoOptions glicko;
  WengLinOptions weng_lin;
  std::int64_t period_ms = 24LL * 3600 * 1000;  // Glicko-2's rating period: RD grows per idle period
};

PlayerRating fresh(const std::string& user_id, const std::string& mode, Model model);
double displayed(Model model, double rating, double deviation);

struct RatedSeat {
  std::string user_id;  // empty for a bot
  bool bot = false;
  int team = 0;
  int place = 0;
};

struct Change {
  PlayerRating after;
  double before = 0;  // displayed, before
  int place = 0;
  std::string outcome;  // win, loss, draw
};

// The change of `user` among a match's changes; null when they had no rated seat.
const Change* change_of(const std::vector<Change>& changes, const std::string& user);

// What one match does to its players' ratings. `current` has the players' ratings in this mode
// (a player without one starts fresh).
std::vector<Change> rate_match(const std::string& mode, Model model, const std::vector<RatedSeat>& seats,
                               const std::map<std::string, PlayerRating>& current, std::int64_t now,
                               const Options& options = {});

// A player's rating change in one match, as history keeps it.
struct HistoryEntry {
  double before = 0, after = 0;  // displayed
  int place = 0;
  std::string outcome;  // win, loss, draw
};

// The name of a player's rating in a mode among the locks of a job's effects
// (jobs::Completion::locks): what RatingStore::load holds inside a transaction.
std::string lock_name(const std::string& user, const std::string& mode);

// Ratings and their history, durable. SQLite in embedded mode, PostgreSQL in a cluster; one
// conformance suite (src/ratings/store_conformance.cpp) holds both to this contract.
class RatingStore {
 public:
  virtual ~RatingStore() = default;
  // Inside a transaction of the store's database on this thread (a job's effects), load() also
  // holds these players' ratings in `mode` until it ends: a second transaction's load of any of
  // them waits, so a read, rate and apply() never loses another's update.
  virtual std::map<std::string, PlayerRating> load(const std::vector<std::string>& users, const std::string& mode) = 0;
  // Writes the changes and their history rows. Called inside a transaction of the store's
  // database on this thread (a job's effects), it is part of it. A match already applied is left
  // alone: false.
  virtual bool apply(const std::string& match_id, const std::vector<Change>& changes, std::int64_t now) = 0;
  // The changes of several matches, as apply() of each in order would write them (in fewer
  // statements where the store can). False when one of them had been applied before: then
  // nothing of this call may be kept (the caller's transaction rolls it back).
  struct MatchChanges {
    std::string match_id;
    std::vector<Change> changes;
  };
  virtual bool apply_all(const std::vector<MatchChanges>& matches, std::int64_t now) = 0;
  // Displayed ratings of `users` in `mode` (missing: not rated yet).
  virtual std::map<std::string, double> displayed_of(const std::vector<std::string>& users,
                                                     const std::string& mode) = 0;
  // A player's ratings in every mode they are rated in, by mode.
  virtual std::vector<PlayerRating> all_of(const std::string& user) = 0;
  // What each of `matches` did to `user`'s rating (missing: not rated there).
  virtual std::map<std::string, HistoryEntry> history_of(const std::string& user,
                                                         const std::vector<std::string>& matches) = 0;
};

class SqliteRatingStore final : public RatingStore {
 public:
  explicit SqliteRatingStore(storage::Sqlite& db) : db_(db) {}
  std::map<std::string, PlayerRating> load(const std::vector<std::string>& users, const std::string& mode) override;
  bool apply(const std::string& match_id, const std::vector<Change>& changes, std::int64_t now) override;
  bool apply_all(const std::vector<MatchChanges>& matches, std::int64_t now) override;
  std::map<std::string, double> displayed_of(const std::vector<std::string>& users, const std::string& mode) override;
  std::vector<PlayerRating> all_of(const std::string& user) override;
  std::map<std::string, HistoryEntry> history_of(const std::string& user,
                                                 const std::vector<std::string>& matches) override;

 private:
  storage::Sqlite& db_;
};

class PostgresRatingStore final : public RatingStore {
 public:
  explicit PostgresRatingStore(storage::PgPool& pool) : pool_(pool) {}
  std::map<std::string, PlayerRating> load(const std::vector<std::string>& users, const std::string& mode) override;
  bool apply(const std::string& match_id, const std::vector<Change>& changes, std::int64_t now) override;
  bool apply_all(const std::vector<MatchChanges>& matches, std::int64_t now) override;
  std::map<std::string, double> displayed_of(const std::vector<std::string>& users, const std::string& mode) override;
  std::vector<PlayerRating> all_of(const std::string& user) override;
  std::map<std::string, HistoryEntry> history_of(const std::string& user,
                                                 const std::vector<std::string>& matches) override;

 private:
  storage::PgPool& pool_;
};

}  // namespace arena::ratings
