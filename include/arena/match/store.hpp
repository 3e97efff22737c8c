#pragma once
// Where finished matches are kept: durable before match.ended goes out, never stored twice.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "arena/jobs/jobs.hpp"
#include "arena/match/runner.hpp"

namespace arena::storage {
class Sqlite;
class PgPool;
}  // namespace arena::storage

namespace arena::match {

struct StoredMatch {
  MatchRecord record;
  std::int64_t ended_at = 0;  // unix seconds
};

// A match in a player's history.
struct PlayedMatch {
  StoredMatch match;
  int place = 0;  // 0: the seat has no placement
};

// A running match's lease: the host that runs it, and the epoch it holds it at (each adoption by
// another host adds one, so the host that lost it can tell).
struct Lease {
  std::string host;
  std::int64_t epoch = 0;
};

// What a host writes at a checkpoint of one of its running matches: the log entries it has not
// written yet ([logged, logged + entries.size())), and the state after `ticks` ticks with every
// entry of the log so far applied.
struct Checkpoint {
  std::string match_id;
  Lease lease;
  std::optional<MatchSpec> spec;  // at the first checkpoint: the lease begins (epoch 1)
  std::uint64_t ticks = 0;
  std::uint64_t hash = 0;
  std::size_t logged = 0;
  std::vector<LoggedInput> entries;
};

// A running match taken over from a host that stopped renewing its lease.
struct AdoptedMatch {
  MatchSpec spec;
  Lease lease;  // the adopter's, one epoch on
  std::uint64_t ticks = 0;
  std::uint64_t hash = 0;
  std::vector<LoggedInput> log;  // every entry up to the checkpoint
  std::string error;             // the checkpoint's log could not be read: the match ends with this error
};

enum class Saved {
  stored,  // this save stored the record
  again,   // stored before (a retried write): nothing changed
  lost,    // the lease moved to another host: nothing written, the other host finishes the match
};

// Where a page of history starts: after the match (ended_at, match_id), in newest-first order;
// an empty match id: from the newest.
struct HistoryCursor {
  std::int64_t ended_at = 0;
  std::string match_id;
};

class MatchStore {
 public:
  virtual ~MatchStore() = default;
  // Stores the record and ends its running match's lease; a second save of the same match id
  // changes nothing. With a lease, saves only if it still holds the match. Throws on failure.
  virtual Saved save(const MatchRecord& rec, std::int64_t ended_at, const Lease& lease) = 0;
  Saved save(const MatchRecord& rec, std::int64_t ended_at) { return save(rec, ended_at, Lease{}); }

  // Running matches (host failover). Writes each checkpoint whose lease its host still holds and
  // moves that lease to `lease_until` (unix ms; 0 lets go of it: any host may adopt it now);
  // returns the ids of the matches whose lease another host holds now.
  virtual std::vector<std::string> checkpoint(const std::vector<Checkpoint>& cps, std::int64_t lease_until) = 0;
  // Takes up to `limit` running matches of `games` whose lease ran out by `now` (unix ms): `host`
  // holds them until `lease_until`, one epoch on. A match whose result is stored is dropped.
  virtual std::vector<AdoptedMatch> adopt(const std::string& host, const std::vector<std::string>& games,
                                          std::int64_t now, std::int64_t lease_until, int limit) = 0;
  virtual std::optional<StoredMatch> load(const std::string& match_id) = 0;
  // The matches `user` played (not as a bot), newest first, after `from`, up to `limit`.
  virtual std::vector<PlayedMatch> history(const std::string& user, const HistoryCursor& from, int limit) = 0;
  // When `user`'s latest match ended (unix seconds); nullopt: never played.
  virtual std::optional<std::int64_t> last_played(const std::string& user) = 0;
  // Marks a match's results applied (ratings, boards): true the first time, false ever after.
  // Called inside a transaction of the store's database on this thread (a job's effects), it is
  // part of it, so the mark and what it marks commit together.
  virtual bool mark_applied(const std::string& match_id, std::int64_t now) = 0;
  // mark_applied() of each, in order (in one statement where the store can): of a match named
  // twice, only the first is marked now.
  virtual std::vector<bool> mark_applied_all(const std::vector<std::string>& match_ids, std::int64_t now);
};

// The job that rates a stored match: kind rating.update, queue ratings, keyed by the match id.
jobs::JobSpec rating_job(const std::string& match_id);

// Stores the record and, for a match that finished, its rating job in the same transaction.
// Reads (load, history) go through `reader` when given: a second connection to the same database,
// so that they need not wait for a group commit that holds `db` (WAL).
class SqliteMatchStore final : public MatchStore {
 public:
  explicit SqliteMatchStore(storage::Sqlite& db, storage::Sqlite* reader = nullptr)
      : db_(db), reader_(reader != nullptr ? *reader : db) {}
  using MatchStore::save;
  Saved save(const MatchRecord& rec, std::int64_t ended_at, const Lease& lease) override;
  std::vector<std::string> checkpoint(const std::vector<Checkpoint>& cps, std::int64_t lease_until) override;
  std::vector<AdoptedMatch> adopt(const std::string& host, const std::vector<std::string>& games, std::int64_t now,
                                  std::int64_t lease_until, int limit) override;
  std::optional<StoredMatch> load(const std::string& match_id) override;
  std::vector<PlayedMatch> history(const std::string& user, const HistoryCursor& from, int limit) override;
  std::optional<std::int64_t> last_played(const std::string& user) override;
  bool mark_applied(const std::string& match_id, std::int64_t now) override;
  std::vector<bool> mark_applied_all(const std::vector<std::string>& match_ids, std::int64_t now) override;

 private:
  storage::Sqlite& db_;
  storage::Sqlite& reader_;
};

// The same on PostgreSQL (cluster mode): any host process stores there, any worker rates it.
class PostgresMatchStore final : public MatchStore {
 public:
  explicit PostgresMatchStore(storage::PgPool& pool) : pool_(pool) {}
  using MatchStore::save;
  Saved save(const MatchRecord& rec, std::int64_t ended_at, const Lease& lease) override;
  std::vector<std::string> checkpoint(const std::vector<Checkpoint>& cps, std::int64_t lease_until) override;
  std::vector<AdoptedMatch> adopt(const std::string& host, const std::vector<std::string>& games, std::int64_t now,
                                  std::int64_t lease_until, int limit) override;
  std::optional<StoredMatch> load(const std::string& match_id) override;
  std::vector<PlayedMatch> history(const std::string& user, const HistoryCursor& from, int limit) override;
  std::optional<std::int64_t> last_played(const std::string& user) override;
  bool mark_applied(const std::string& match_id, std::int64_t now) override;

 private:
  storage::PgPool& pool_;
};

// Records kept in this process only (unit tests, fuzzing): the same contract, no database.
class MemoryMatchStore final : public MatchStore {
 public:
  using MatchStore::save;
  Saved save(const MatchRecord& rec, std::int64_t ended_at, const Lease& lease) override;
  std::vector<std::string> checkpoint(const std::vector<Checkpoint>& cps, std::int64_t lease_until) override;
  std::vector<AdoptedMatch> adopt(const std::string& host, const std::vector<std::string>& games, std::int64_t now,
                                  std::int64_t lease_until, int limit) override;
  std::optional<StoredMatch> load(const std::string& match_id) override;
  std::vector<PlayedMatch> history(const std::string& user, const HistoryCursor& from, int limit) override;
  std::optional<std::int64_t> last_played(const std::string& user) override;
  bool mark_applied(const std::string& match_id, std::int64_t now) override;

 private:
  struct Running {
    MatchSpec spec;
    Lease lease;
    std::int64_t lease_until = 0;
    std::uint64_t ticks = 0;
    std::uint64_t hash = 0;
    std::vector<LoggedInput> log;
  };
  std::mutex mu_;
  std::map<std::string, StoredMatch> records_;
  std::set<std::string> applied_;
  std::map<std::string, Running> running_;
};

}  // namespace arena::match
