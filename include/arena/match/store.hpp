#pragma once
// Where finished matches are kept: durable before match.ended goes out, never stored twice.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "arena/jobs/jobs.hpp"
#include "arena/match/runner.hpp"

namespace arena::storage {
class Sqlite;
class PgPool;
}  // namespace arena::storage

namespace arena::match {

class MatchStore {
 public:
  virtual ~MatchStore() = default;
  // Stores the record; a second save of the same match id changes nothing. Throws on failure.
  virtual void save(const MatchRecord& rec, std::int64_t ended_at) = 0;
  virtual std::optional<MatchRecord> load(const std::string& match_id) = 0;
};

// The job that rates a stored match: kind rating.update, queue ratings, keyed by the match id.
jobs::JobSpec rating_job(const std::string& match_id);

// Stores the record and, for a match that finished, its rating job in the same transaction.
class SqliteMatchStore final : public MatchStore {
 public:
  explicit SqliteMatchStore(storage::Sqlite& db) : db_(db) {}
  void save(const MatchRecord& rec, std::int64_t ended_at) override;
  std::optional<MatchRecord> load(const std::string& match_id) override;

 private:
  storage::Sqlite& db_;
};

// The same on PostgreSQL (cluster mode): any host process stores there, any worker rates it.
class PostgresMatchStore final : public MatchStore {
 public:
  explicit PostgresMatchStore(storage::PgPool& pool) : pool_(pool) {}
  void save(const MatchRecord& rec, std::int64_t ended_at) override;
  std::optional<MatchRecord> load(const std::string& match_id) override;

 private:
  storage::PgPool& pool_;
};

// Records kept in this process only (unit tests, fuzzing): the same contract, no database.
class MemoryMatchStore final : public MatchStore {
 public:
  void save(const MatchRecord& rec, std::int64_t) override {
    std::lock_guard lock(mu_);
    records_.emplace(rec.spec.match_id, rec);  // the first save wins, as in SQLite
  }
  std::optional<MatchRecord> load(const std::string& match_id) override {
    std::lock_guard lock(mu_);
    auto it = records_.find(match_id);
    if (it == records_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::mutex mu_;
  std::map<std::string, MatchRecord> records_;
};

}  // namespace arena::match
