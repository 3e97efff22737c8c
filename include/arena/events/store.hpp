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
}  // namespace arena::storage

namespace arena::events {

struct DeadLetter {
  std::int64_t time_ms = 0;
  std::string reason;  // to_string(Reject), or write_failed
  std::string detail;
  std::string body;  // the message as it came
};

// One hourly roll-up value. Metrics (key): events (type), logins (method), matches (mode),
// queue_wait_median_s (mode/region, over the waits of mm.matched), early_leavers (mode:
// match.player_left).
struct HourlyStat {
  std::int64_t hour_ms = 0;  // the hour's start, unix ms
  std::string metric;
  std::string key;
  double value = 0;
};
inline constexpr std::int64_t kHourMs = 3'600'000;
bool known_hourly_metric(std::string_view metric);

// Durable writes whose game event is not in the events table (the process died between the
// write and the publish): a stored match result without match.ended, a rating_history row
// without its rating.changed.
struct MissingMatchEnd {
  std::string match_id, mode;
  std::int64_t ended_at_ms = 0;
  std::string record;  // the stored record's JSON
};
struct MissingRatingChange {
  std::string match_id, user_id, mode, outcome;
  double before = 0, after = 0;
  std::int64_t at_ms = 0;
};

struct Query {
  std::string type, user_id, match_id;             // empty: any
  std::optional<std::int64_t> since_ms, until_ms;  // time >= since, time < until
  std::string after_id;                            // the cursor: events after this id (ids order by time)
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

  // Computes the roll-ups of the hour starting at `hour_ms` from its events and stores them in
  // place of what that hour had (one transaction: a run again, after late events, replaces it).
  void roll_up(std::int64_t hour_ms);
  // Roll-ups from `since_ms` on (all metrics when `metric` is empty), by hour, metric, key.
  virtual std::vector<HourlyStat> hourly(const std::string& metric, std::int64_t since_ms, int limit) = 0;
  // The latest hour rolled up, if any.
  virtual std::optional<std::int64_t> last_rolled_hour() = 0;
  // Deletes events and dead letters older than `before_ms`, at most `max_rows` of each (short
  // transactions: call again while it returns max_rows). Returns the rows deleted.
  virtual int prune(std::int64_t before_ms, int max_rows) = 0;
  // Those of [since, until), oldest first, at most `limit` of each.
  virtual std::vector<MissingMatchEnd> match_ends_missing(std::int64_t since_ms, std::int64_t until_ms, int limit) = 0;
  virtual std::vector<MissingRatingChange> rating_changes_missing(std::int64_t since_ms, std::int64_t until_ms,
                                                                  int limit) = 0;

  // The feeds of roll_up(): counts come grouped by key; `waits` one row per wait (key
  // "mode/region", seconds).
  enum class Feed { types, login_methods, matches_by_mode, leavers_by_mode, waits };

 protected:
  // What an hour's roll-ups are made from: (key, value) pairs of one feed between from and to.
  virtual std::vector<std::pair<std::string, double>> feed(Feed f, std::int64_t from_ms, std::int64_t to_ms) = 0;
  virtual void replace_hour(std::int64_t hour_ms, const std::vector<HourlyStat>& stats) = 0;
};

class SqliteEventStore final : public EventStore {
 public:
  explicit SqliteEventStore(storage::Sqlite& db) : db_(db) {}
  int write(const std::vector<Event>& batch) override;
  void dead_letter(const std::vector<DeadLetter>& letters) override;
  std::vector<Event> query(const Query& q) override;
  std::vector<DeadLetter> dead_letters(int limit) override;
  std::vector<HourlyStat> hourly(const std::string& metric, std::int64_t since_ms, int limit) override;
  std::optional<std::int64_t> last_rolled_hour() override;
  int prune(std::int64_t before_ms, int max_rows) override;
  std::vector<MissingMatchEnd> match_ends_missing(std::int64_t since_ms, std::int64_t until_ms, int limit) override;
  std::vector<MissingRatingChange> rating_changes_missing(std::int64_t since_ms, std::int64_t until_ms,
                                                          int limit) override;

 protected:
  std::vector<std::pair<std::string, double>> feed(Feed f, std::int64_t from_ms, std::int64_t to_ms) override;
  void replace_hour(std::int64_t hour_ms, const std::vector<HourlyStat>& stats) override;

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
  std::vector<HourlyStat> hourly(const std::string& metric, std::int64_t since_ms, int limit) override;
  std::optional<std::int64_t> last_rolled_hour() override;
  int prune(std::int64_t before_ms, int max_rows) override;
  std::vector<MissingMatchEnd> match_ends_missing(std::int64_t since_ms, std::int64_t until_ms, int limit) override;
  std::vector<MissingRatingChange> rating_changes_missing(std::int64_t since_ms, std::int64_t until_ms,
                                                          int limit) override;

 protected:
  std::vector<std::pair<std::string, double>> feed(Feed f, std::int64_t from_ms, std::int64_t to_ms) override;
  void replace_hour(std::int64_t hour_ms, const std::vector<HourlyStat>& stats) override;

 private:
  storage::PgPool& pool_;
};

}  // namespace arena::events
