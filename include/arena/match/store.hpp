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

// Where a page of history starts: after the match (ended_at, match_id), in newest-first order;
// an empty match id: from the newest.
struct HistoryCursor {
  std::int64_t ended_at = 0;
  std::string match_id;
};

class MatchStore {
 public:
  virtual ~MatchStore() = default;
  // Stores the record; a second save of the same match id changes nothing. Throws on failure.
  virtual void save(const MatchRecord& rec, std::int64_t ended_at) = 0;
  virtual std::optional<StoredMatch> load(const std::string& match_id) = 0;
  // The matches `user` played (not as a bot), newest first, after `from`, up to `limit`.
  virtual std::vector<PlayedMatch> history(const std::string& user, const HistoryCursor& from, int limit) = 0;
  // When `user`'s latest match ended (unix seconds); nullopt: never played.
  virtual std::optional<std::int64_t> last_played(const std::string& user) = 0;
  // Marks a match's results applied (ratings, boards): true the first time, false ever after.
  // Called inside a transaction of the store's database on this thread (a job's effects), it is
  // part of it, so the mark and what it marks commit together.
  virtual bool mark_applied(const std::string& match_id, std::int64_t now) = 0;
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
  void save(const MatchRecord& rec, std::int64_t ended_at) override;
  std::optional<StoredMatch> load(const std::string& match_id) override;
  std::vector<PlayedMatch> history(const std::string& user, const HistoryCursor& from, int limit) override;
  std::optional<std::int64_t> last_played(const std::string& user) override;
  bool mark_applied(const std::string& match_id, std::int64_t now) override;

 private:
  storage::Sqlite& db_;
  storage::Sqlite& reader_;
};

// The same on PostgreSQL (cluster mode): any host process stores there, any worker rates it.
class PostgresMatchStore final : public MatchStore {
 public:
  explicit PostgresMatchStore(storage::PgPool& pool) : pool_(pool) {}
  void save(const MatchRecord& rec, std::int64_t ended_at) override;
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
  void save(const MatchRecord& rec, std::int64_t ended_at) override;
  std::optional<StoredMatch> load(const std::string& match_id) override;
  std::vector<PlayedMatch> history(const std::string& user, const HistoryCursor& from, int limit) override;
  std::optional<std::int64_t> last_played(const std::string& user) override;
  bool mark_applied(const std::string& match_id, std::int64_t now) override;

 private:
  std::mutex mu_;
  std::map<std::string, StoredMatch> records_;
  std::set<std::string> applied_;
};

}  // namespace arena::match
