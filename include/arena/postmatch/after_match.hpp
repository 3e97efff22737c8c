#pragma once
// What a finished match changes, once: its players' ratings in its mode (with a history row
// each), its mode's rating board, and the score boards fed by its mode's result stats. The
// worker role runs it as the handler of the rating.update job that the host stored with the
// result; the job's fencing epoch and a row in matches_applied make it happen once per match
// however often the job runs or match.ended is delivered.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arena/core/clock.hpp"
#include "arena/jobs/worker.hpp"
#include "arena/leaderboards/store.hpp"
#include "arena/match/runner.hpp"
#include "arena/match/store.hpp"
#include "arena/ratings/ratings.hpp"

namespace arena::postmatch {

struct Applied {
  std::string match_id;
  std::string mode;
  std::vector<ratings::Change> ratings;       // the players whose ratings changed
  std::vector<leaderboards::Written> writes;  // board entries as the match left them
};

// The stores a match's changes go to, all on one database (SQLite embedded, PostgreSQL in a
// cluster): their writes inside a job's completing transaction are part of it.
struct Stores {
  match::MatchStore& matches;
  ratings::RatingStore& ratings;
  leaderboards::BoardStore& boards;
};

class AfterMatch {
 public:
  // `models`: mode -> how it is rated (a mode missing here: Weng-Lin). `boards`: every board
  // (include/arena/leaderboards/boards.hpp).
  AfterMatch(const Stores& stores, const core::Clock& clock, std::map<std::string, ratings::Model> models,
             std::vector<leaderboards::Board> boards);

  // The rating.update job ({"match_id": ...}): reads the stored record, then completes the job
  // with everything the match changes, read and written inside the completing transaction (two
  // matches of one player rated at once never lose an update). `announce` runs after the commit
  // (not when the match had been applied before, or the lease was lost); tell the rank index
  // the writes from there.
  void handle(jobs::JobContext& ctx, const std::function<void(const Applied&)>& announce);

  // Applies the match, inside the caller's transaction when there is one on this thread; nullopt
  // when it was applied before.
  std::optional<Applied> apply(const match::MatchRecord& rec, std::int64_t now);
  // Applies several matches as apply() of each in turn would (a player's second match is rated
  // from what the first left), with one statement per kind of write for all of them (a job
  // group commit's rating jobs). Throws when one of them had been rated without its mark: apply
  // each alone then.
  std::vector<std::optional<Applied>> apply_all(const std::vector<const match::MatchRecord*>& recs, std::int64_t now);

  const std::vector<leaderboards::Board>& boards() const { return boards_; }
  const leaderboards::Board* board(const std::string& id) const;

 private:
  // The board writes of one applied match (its rating changes `rated`), onto `out`.
  void board_writes(const match::MatchRecord& rec, const std::vector<ratings::Change>& rated, std::int64_t now,
                    std::vector<leaderboards::BoardStore::Write>& out) const;
  // The rating jobs of a group commit, applied together (jobs::EffectsBatch).
  struct Part;
  class Batch final : public jobs::EffectsBatch {
   public:
    explicit Batch(AfterMatch& owner) : owner_(owner) {}
    void apply(const std::vector<std::shared_ptr<void>>& parts) override;

   private:
    AfterMatch& owner_;
  };

  Stores stores_;
  Batch batch_{*this};
  const core::Clock& clock_;
  std::map<std::string, ratings::Model> models_;
  std::vector<leaderboards::Board> boards_;
};

}  // namespace arena::postmatch
