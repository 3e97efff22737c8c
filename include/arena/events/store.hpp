#pragma once
// Analytics storage: the `events` table (migrations/sqlite/0007_events.sql,
// migrations/postgres/0008_events.sql) and the messages that were dead-lettered with their
// reasons. SQLite in embedded mode, PostgreSQL in a cluster.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arena/events/event.hpp"

namespace arena::storage {
class Sqlite;
class PgPool;
}

namespace arena::events {

struct DeadLetter {
  std::int64_t time_ms = 0;
  std::string reason;  // to_string(Reject), or write_failed
  std::string detail;
  std::string body;  // the message as it came
};

struct Query {
  std::string type, user_id, match_id;  // empty: any
  std::optional<std::int64_t> since_ms, until_ms;  // time >= since, time < until
  std::string after_id;  // the cursor: events after this id (ids order by time)
  int limit = 100;
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  // One transaction; an event whose id is stored already is skipped. Returns the rows written.
  virtual int write(const std::vector<Event>& batch) = 0;
  virtual void dead_letter(const std::vector<DeadLetter>& letters) = 0;
  // Oldest first, by id.
  virtual std::vector<Event> query(const Query& q) = 0;
  virtual std::vector<DeadLetter> dead_letters(int limit) = 0;
};

class SqliteEventStore final : public EventStore {
 public:
  explicit SqliteEventStore(storage::Sqlite& db) : db_(db) {}
  int write(const std::vector<Event>& batch) override;
  void dead_letter(const std::vector<DeadLetter>& letters) override;
  std::vector<Event> query(const Query& q) override;
  std::vector<DeadLetter> dead_letters(int limit) override;

 private:
  storage::Sqlite& db_;
};

// A batch is one statement: the events as one JSON array parameter, unpacked by
// jsonb_to_recordset (one round trip, whatever the batch size).
class PgEventStore final : public EventStore {
 public:
  explicit PgEventStore(storage::PgPool& pool) : pool_(pool) {}
  int write(const std::vector<Event>& batch) override;
  void dead_letter(const std::vector<DeadLetter>& letters) override;
  std::vector<Event> query(const Query& q) override;
  std::vector<DeadLetter> dead_letters(int limit) override;

 private:
  storage::PgPool& pool_;
};

}  // namespace arena::events
