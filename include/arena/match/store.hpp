#pragma once
// Where finished matches are kept: durable before match.ended goes out, never stored twice.
#include <memory>
#include <optional>
#include <string>

#include "arena/match/runner.hpp"

namespace arena::storage {
class Sqlite;
}

namespace arena::match {

class MatchStore {
 public:
  virtual ~MatchStore() = default;
  // Stores the record; a second save of the same match id changes nothing. Throws on failure.
  virtual void save(const MatchRecord& rec, std::int64_t ended_at) = 0;
  virtual std::optional<MatchRecord> load(const std::string& match_id) = 0;
};

class SqliteMatchStore final : public MatchStore {
 public:
  explicit SqliteMatchStore(storage::Sqlite& db) : db_(db) {}
  void save(const MatchRecord& rec, std::int64_t ended_at) override;
  std::optional<MatchRecord> load(const std::string& match_id) override;

 private:
  storage::Sqlite& db_;
};

}  // namespace arena::match
