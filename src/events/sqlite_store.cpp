#include "arena/events/store.hpp"
#include "arena/storage/sqlite.hpp"

namespace arena::events {

namespace {
std::optional<std::string> opt(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}
}  // namespace

int SqliteEventStore::write(const std::vector<Event>& batch) {
  if (batch.empty()) return 0;
  return db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    auto& st = c.prepare(
        "INSERT INTO events (id, type, time, node, user_id, match_id, mode, region, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING");
    int written = 0;
    for (const auto& e : batch)
      written +=
          st.bind(e.id, e.type, e.time_ms, e.node, opt(e.user_id), opt(e.match_id), opt(e.mode), opt(e.region), e.data)
              .exec();
    tx.commit();
    return written;
  });
}

void SqliteEventStore::dead_letter(const std::vector<DeadLetter>& letters) {
  if (letters.empty()) return;
  db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    auto& st = c.prepare("INSERT INTO dead_events (time, reason, detail, body) VALUES (?, ?, ?, ?)");
    for (const auto& d : letters) st.bind(d.time_ms, d.reason, d.detail, d.body).exec();
    tx.commit();
  });
}

std::vector<Event> SqliteEventStore::query(const Query& q) {
  // Optional filters as "? = '' OR column = ?" pairs: one prepared statement for every combination.
  static constexpr const char* kSql =
      "SELECT id, type, time, node, user_id, match_id, mode, region, data FROM events "
      "WHERE (?1 = '' OR type = ?1) AND (?2 = '' OR user_id = ?2) AND (?3 = '' OR match_id = ?3) "
      "AND (?4 IS NULL OR time >= ?4) AND (?5 IS NULL OR time < ?5) AND id > ?6 ORDER BY id LIMIT ?7";
  return db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare(kSql);
    st.bind(q.type, q.user_id, q.match_id, q.since_ms, q.until_ms, q.after_id, static_cast<std::int64_t>(q.limit));
    std::vector<Event> out;
    while (st.step()) {
      Event e;
      e.id = st.text(0);
      e.type = st.text(1);
      e.time_ms = st.int64(2);
      e.node = st.text(3);
      e.user_id = st.optional_text(4).value_or("");
      e.match_id = st.optional_text(5).value_or("");
      e.mode = st.optional_text(6).value_or("");
      e.region = st.optional_text(7).value_or("");
      e.data = st.text(8);
      out.push_back(std::move(e));
    }
    return out;
  });
}

std::vector<DeadLetter> SqliteEventStore::dead_letters(int limit) {
  return db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare("SELECT time, reason, detail, body FROM dead_events ORDER BY id DESC LIMIT ?");
    st.bind(static_cast<std::int64_t>(limit));
    std::vector<DeadLetter> out;
    while (st.step()) out.push_back(DeadLetter{st.int64(0), st.text(1), st.text(2), st.text(3)});
    return out;
  });
}

namespace {
// Each feed: (key, value) rows of the hour [?1, ?2).
const char* feed_sql(EventStore::Feed f);
}  // namespace

std::vector<std::pair<std::string, double>> SqliteEventStore::feed(Feed f, std::int64_t from_ms, std::int64_t to_ms) {
  return db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare(feed_sql(f));
    st.bind(from_ms, to_ms);
    std::vector<std::pair<std::string, double>> out;
    while (st.step()) out.emplace_back(st.text(0), st.real(1));
    return out;
  });
}

void SqliteEventStore::replace_hour(std::int64_t hour_ms, const std::vector<HourlyStat>& stats) {
  db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    c.prepare("DELETE FROM event_stats_hourly WHERE hour = ?").bind(hour_ms).exec();
    auto& st = c.prepare("INSERT INTO event_stats_hourly (hour, metric, key, value) VALUES (?, ?, ?, ?)");
    for (const auto& s : stats) st.bind(s.hour_ms, s.metric, s.key, s.value).exec();
    tx.commit();
  });
}

std::vector<HourlyStat> SqliteEventStore::hourly(const std::string& metric, std::int64_t since_ms, int limit) {
  return db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare(
        "SELECT hour, metric, key, value FROM event_stats_hourly WHERE (?1 = '' OR metric = ?1) AND hour >= ?2 "
        "ORDER BY hour, metric, key LIMIT ?3");
    st.bind(metric, since_ms, static_cast<std::int64_t>(limit));
    std::vector<HourlyStat> out;
    while (st.step()) out.push_back({st.int64(0), st.text(1), st.text(2), st.real(3)});
    return out;
  });
}

std::optional<std::int64_t> SqliteEventStore::last_rolled_hour() {
  return db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare("SELECT max(hour) FROM event_stats_hourly");
    st.step();
    return st.optional_int64(0);
  });
}

int SqliteEventStore::prune(std::int64_t before_ms, int max_rows) {
  return db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    int n = c.prepare("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE time < ? LIMIT ?)")
                .bind(before_ms, static_cast<std::int64_t>(max_rows))
                .exec();
    n += c.prepare("DELETE FROM dead_events WHERE id IN (SELECT id FROM dead_events WHERE time < ? LIMIT ?)")
             .bind(before_ms, static_cast<std::int64_t>(max_rows))
             .exec();
    tx.commit();
    return n;
  });
}

std::vector<MissingMatchEnd> SqliteEventStore::match_ends_missing(std::int64_t since_ms, std::int64_t until_ms,
                                                                  int limit) {
  return db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare(
        "SELECT r.match_id, r.mode, r.ended_at * 1000, r.record FROM match_results r "
        "WHERE r.ended_at >= ?1 / 1000 AND r.ended_at < ?2 / 1000 AND NOT EXISTS "
        "(SELECT 1 FROM events e WHERE e.match_id = r.match_id AND e.type = 'match.ended') "
        "ORDER BY r.ended_at LIMIT ?3");
    st.bind(since_ms, until_ms, static_cast<std::int64_t>(limit));
    std::vector<MissingMatchEnd> out;
    while (st.step()) out.push_back({st.text(0), st.text(1), st.int64(2), st.text(3)});
    return out;
  });
}

std::vector<MissingRatingChange> SqliteEventStore::rating_changes_missing(std::int64_t since_ms, std::int64_t until_ms,
                                                                          int limit) {
  return db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare(
        "SELECT h.match_id, h.user_id, h.mode, h.outcome, h.before, h.after, h.at FROM rating_history h "
        "WHERE h.at >= ?1 AND h.at < ?2 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.match_id = h.match_id "
        "AND e.user_id = h.user_id AND e.type = 'rating.changed') ORDER BY h.at LIMIT ?3");
    st.bind(since_ms, until_ms, static_cast<std::int64_t>(limit));
    std::vector<MissingRatingChange> out;
    while (st.step())
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.real(4), st.real(5), st.int64(6)});
    return out;
  });
}

namespace {
const char* feed_sql(EventStore::Feed f) {
  switch (f) {
    case EventStore::Feed::types:
      return "SELECT type, count(*) FROM events WHERE time >= ?1 AND time < ?2 GROUP BY type";
    case EventStore::Feed::login_methods:
      return "SELECT coalesce(json_extract(data, '$.method'), ''), count(*) FROM events "
             "WHERE type = 'auth.login' AND time >= ?1 AND time < ?2 GROUP BY 1";
    case EventStore::Feed::matches_by_mode:
      return "SELECT coalesce(mode, ''), count(*) FROM events WHERE type = 'match.ended' AND time >= ?1 AND time < ?2 "
             "GROUP BY 1";
    case EventStore::Feed::leavers_by_mode:
      return "SELECT coalesce(mode, ''), count(*) FROM events WHERE type = 'match.player_left' AND time >= ?1 AND "
             "time < ?2 GROUP BY 1";
    case EventStore::Feed::waits:
      return "SELECT coalesce(e.mode, '') || '/' || coalesce(e.region, ''), w.value FROM events e, "
             "json_each(e.data, '$.waits_s') w WHERE e.type = 'mm.matched' AND e.time >= ?1 AND e.time < ?2 "
             "AND w.type IN ('integer', 'real')";
  }
  return "";
}
}  // namespace

}  // namespace arena::events
