#include <algorithm>

#include "arena/core/encoding.hpp"
#include "arena/events/store.hpp"
#include "arena/storage/postgres.hpp"

namespace arena::events {

int PgEventStore::write(const std::vector<Event>& batch) {
  if (batch.empty()) return 0;
  // In id order: batches written at once (the consumer's writers) that share an event (delivered
  // again) then wait on each other in one order, never in a deadlock.
  std::vector<const Event*> order;
  order.reserve(batch.size());
  for (const auto& e : batch) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Event* a, const Event* b) { return a->id < b->id; });
  std::string rows = "[";
  for (const auto* e : order) {
    if (rows.size() > 1) rows += ',';
    rows += encode(*e);  // the envelope's fields are the table's columns
  }
  rows += ']';
  // One statement is one transaction of its own: no BEGIN and COMMIT round trips. Done again after
  // a failure it writes nothing twice (ON CONFLICT DO NOTHING).
  return pool_.with([&](storage::Pg& c) {
    return c
        .query(
            "INSERT INTO events (id, type, time, node, user_id, match_id, mode, region, data) "
            "SELECT id, type, time, node, user_id, match_id, mode, region, data FROM jsonb_to_recordset($1::jsonb) "
            "AS x(id text, type text, time bigint, node text, user_id text, match_id text, mode text, region text, "
            "data jsonb) ON CONFLICT (id) DO NOTHING",
            rows)
        .affected();
  });
}

void PgEventStore::dead_letter(const std::vector<DeadLetter>& letters) {
  if (letters.empty()) return;
  pool_.transaction([&](storage::Pg& c) {
    for (const auto& d : letters) {
      // The body as it came may be any bytes (NUL, not UTF-8): it travels hex-encoded into BYTEA.
      c.query("INSERT INTO dead_events (time, reason, detail, body) VALUES ($1, $2, $3, decode($4, 'hex'))", d.time_ms,
              d.reason, d.detail,
              core::hex_encode({reinterpret_cast<const unsigned char*>(d.body.data()), d.body.size()}));
    }
  });
}

std::vector<Event> PgEventStore::query(const Query& q) {
  return pool_.with([&](storage::Pg& c) {
    auto r = c.query(
        "SELECT id, type, time, node, user_id, match_id, mode, region, data::text FROM events "
        "WHERE ($1 = '' OR type = $1) AND ($2 = '' OR user_id = $2) AND ($3 = '' OR match_id = $3) "
        "AND ($4::bigint IS NULL OR time >= $4) AND ($5::bigint IS NULL OR time < $5) AND id > $6 "
        "ORDER BY id LIMIT $7",
        q.type, q.user_id, q.match_id, q.since_ms, q.until_ms, q.after_id, static_cast<std::int64_t>(q.limit));
    std::vector<Event> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
      out.push_back(Event{r.text(i, 0), r.text(i, 1), r.int64(i, 2), r.text(i, 3), r.optional_text(i, 4).value_or(""),
                          r.optional_text(i, 5).value_or(""), r.optional_text(i, 6).value_or(""),
                          r.optional_text(i, 7).value_or(""), r.text(i, 8)});
    return out;
  });
}

std::vector<DeadLetter> PgEventStore::dead_letters(int limit) {
  return pool_.with([&](storage::Pg& c) {
    auto r = c.query("SELECT time, reason, detail, encode(body, 'hex') FROM dead_events ORDER BY id DESC LIMIT $1",
                     static_cast<std::int64_t>(limit));
    std::vector<DeadLetter> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    // encode(body, 'hex') is always hex: nothing is lost to value_or.
    for (int i = 0; i < r.rows(); ++i)
      out.push_back(DeadLetter{r.int64(i, 0), r.text(i, 1), r.text(i, 2), core::hex_decode(r.view(i, 3)).value_or("")});
    return out;
  });
}

namespace {
const char* feed_sql(EventStore::Feed f) {
  switch (f) {
    case EventStore::Feed::types:
      return "SELECT type, count(*)::float8 FROM events WHERE time >= $1 AND time < $2 GROUP BY type";
    case EventStore::Feed::login_methods:
      return "SELECT coalesce(data->>'method', ''), count(*)::float8 FROM events "
             "WHERE type = 'auth.login' AND time >= $1 AND time < $2 GROUP BY 1";
    case EventStore::Feed::matches_by_mode:
      return "SELECT coalesce(mode, ''), count(*)::float8 FROM events WHERE type = 'match.ended' AND time >= $1 "
             "AND "
             "time < $2 GROUP BY 1";
    case EventStore::Feed::leavers_by_mode:
      return "SELECT coalesce(mode, ''), count(*)::float8 FROM events WHERE type = 'match.player_left' AND "
             "time >= $1 AND time < $2 GROUP BY 1";
    case EventStore::Feed::waits:
      return "SELECT coalesce(e.mode, '') || '/' || coalesce(e.region, ''), w::float8 FROM events e, "
             "jsonb_array_elements(CASE WHEN jsonb_typeof(e.data->'waits_s') = 'array' THEN e.data->'waits_s' "
             "ELSE '[]'::jsonb END) w WHERE e.type = 'mm.matched' AND e.time >= $1 AND e.time < $2 "
             "AND jsonb_typeof(w) = 'number'";
  }
  return "";
}
}  // namespace

std::vector<std::pair<std::string, double>> PgEventStore::feed(Feed f, std::int64_t from_ms, std::int64_t to_ms) {
  return pool_.with([&](storage::Pg& c) {
    auto r = c.query(feed_sql(f), from_ms, to_ms);
    std::vector<std::pair<std::string, double>> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0), r.real(i, 1));
    return out;
  });
}

void PgEventStore::replace_hour(std::int64_t hour_ms, const std::vector<HourlyStat>& stats) {
  pool_.transaction([&](storage::Pg& c) {
    c.query("DELETE FROM event_stats_hourly WHERE hour = $1", hour_ms);
    for (const auto& s : stats)
      c.query("INSERT INTO event_stats_hourly (hour, metric, key, value) VALUES ($1, $2, $3, $4)", s.hour_ms, s.metric,
              s.key, s.value);
  });
}

std::vector<HourlyStat> PgEventStore::hourly(const std::string& metric, std::int64_t since_ms, int limit) {
  return pool_.with([&](storage::Pg& c) {
    auto r = c.query(
        "SELECT hour, metric, key, value FROM event_stats_hourly WHERE ($1 = '' OR metric = $1) AND hour >= $2 "
        "ORDER BY hour, metric, key LIMIT $3",
        metric, since_ms, static_cast<std::int64_t>(limit));
    std::vector<HourlyStat> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.int64(i, 0), r.text(i, 1), r.text(i, 2), r.real(i, 3)});
    return out;
  });
}

std::optional<std::int64_t> PgEventStore::last_rolled_hour() {
  return pool_.with(
      [&](storage::Pg& c) { return c.query("SELECT max(hour) FROM event_stats_hourly").optional_int64(0, 0); });
}

std::vector<MissingMatchEnd> PgEventStore::match_ends_missing(std::int64_t since_ms, std::int64_t until_ms, int limit) {
  return pool_.with([&](storage::Pg& c) {
    auto r = c.query(
        "SELECT r.match_id, r.mode, r.ended_at * 1000, r.record FROM match_results r "
        "WHERE r.ended_at >= $1::bigint / 1000 AND r.ended_at < $2::bigint / 1000 AND NOT EXISTS "
        "(SELECT 1 FROM events e WHERE e.match_id = r.match_id AND e.type = 'match.ended') "
        "ORDER BY r.ended_at LIMIT $3",
        since_ms, until_ms, static_cast<std::int64_t>(limit));
    std::vector<MissingMatchEnd> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.int64(i, 2), r.text(i, 3)});
    return out;
  });
}

std::vector<MissingRatingChange> PgEventStore::rating_changes_missing(std::int64_t since_ms, std::int64_t until_ms,
                                                                      int limit) {
  return pool_.with([&](storage::Pg& c) {
    auto r = c.query(
        "SELECT h.match_id, h.user_id, h.mode, h.outcome, h.before, h.after, h.at FROM rating_history h "
        "WHERE h.at >= $1 AND h.at < $2 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.match_id = h.match_id "
        "AND e.user_id = h.user_id AND e.type = 'rating.changed') ORDER BY h.at LIMIT $3",
        since_ms, until_ms, static_cast<std::int64_t>(limit));
    std::vector<MissingRatingChange> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
      out.push_back(
          {r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.real(i, 4), r.real(i, 5), r.int64(i, 6)});
    return out;
  });
}

int PgEventStore::prune(std::int64_t before_ms, int max_rows) {
  return pool_.transaction([&](storage::Pg& c) {
    const auto limit = static_cast<std::int64_t>(max_rows);
    int n = c.query("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE time < $1 LIMIT $2)", before_ms, limit)
                .affected();
    n += c.query("DELETE FROM dead_events WHERE id IN (SELECT id FROM dead_events WHERE time < $1 LIMIT $2)", before_ms,
                 limit)
             .affected();
    return n;
  });
}

}  // namespace arena::events
