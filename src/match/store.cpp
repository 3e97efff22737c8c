#include "arena/match/store.hpp"

#include <boost/json.hpp>

#include "arena/jobs/postgres_store.hpp"
#include "arena/jobs/sqlite_store.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/storage/sqlite.hpp"

namespace arena::match {
namespace json = boost::json;

jobs::JobSpec rating_job(const std::string& match_id) {
  jobs::JobSpec spec;
  spec.kind = "rating.update";
  spec.queue = "ratings";
  spec.args = json::serialize(json::object{{"match_id", match_id}});
  spec.idempotency_key = "rating.update:" + match_id;  // once per match, however often it is asked for
  spec.max_attempts = 25;
  return spec;
}

namespace {
// The place of seat `i` (0 when the match failed or the seat has none).
int place_of(const MatchRecord& rec, std::size_t i) {
  int place = 0;
  for (const auto& p : rec.result.placements)
    if (p.seat == static_cast<int>(i)) place = p.place;
  return place;
}
}  // namespace

void SqliteMatchStore::save(const MatchRecord& rec, std::int64_t ended_at) {
  const std::string body = json::serialize(to_json(rec));
  db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    const int stored =
        c.prepare(
             "INSERT INTO match_results (match_id, mode, game, ended_at, failed, record) VALUES (?, ?, ?, ?, ?, ?) "
             "ON CONFLICT (match_id) DO NOTHING")
            .bind(rec.spec.match_id, rec.spec.mode, rec.spec.game, ended_at, !rec.error.empty(), body)
            .exec();
    if (stored == 1) {
      auto& who = c.prepare(
          "INSERT INTO match_players (user_id, ended_at, match_id, mode, place) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT DO NOTHING");
      for (std::size_t i = 0; i < rec.spec.seats.size(); ++i) {
        const auto& seat = rec.spec.seats[i];
        if (seat.bot || seat.user_id.empty()) continue;
        who.bind(seat.user_id, ended_at, rec.spec.match_id, rec.spec.mode, place_of(rec, i)).exec();
      }
    }
    // The rating job commits with the result: no result without its job, no job without its result.
    if (stored == 1 && rec.error.empty())
      jobs::SqliteJobStore::enqueue_in(c, rating_job(rec.spec.match_id), ended_at * 1000);
    tx.commit();
  });
}

std::optional<MatchRecord> SqliteMatchStore::load(const std::string& match_id) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<MatchRecord> {
    auto& st = c.prepare("SELECT record FROM match_results WHERE match_id = ?").bind(match_id);
    if (!st.step()) return std::nullopt;
    return record_from_json(json::parse(st.text(0)));
  });
}

void PostgresMatchStore::save(const MatchRecord& rec, std::int64_t ended_at) {
  const std::string body = json::serialize(to_json(rec));
  pool_.transaction([&](storage::Pg& c) {
    const bool stored = c.query(
                             "INSERT INTO match_results (match_id, mode, game, ended_at, failed, record) VALUES "
                             "($1, $2, $3, $4, $5, $6) ON CONFLICT (match_id) DO NOTHING",
                             rec.spec.match_id, rec.spec.mode, rec.spec.game, ended_at, !rec.error.empty(), body)
                            .affected() == 1;
    if (!stored) return;  // stored before (a retried write): nothing more
    for (std::size_t i = 0; i < rec.spec.seats.size(); ++i) {
      const auto& seat = rec.spec.seats[i];
      if (seat.bot || seat.user_id.empty()) continue;
      c.query(
          "INSERT INTO match_players (user_id, ended_at, match_id, mode, place) VALUES ($1, $2, $3, $4, $5) "
          "ON CONFLICT DO NOTHING",
          seat.user_id, ended_at, rec.spec.match_id, rec.spec.mode, place_of(rec, i));
    }
    // The rating job commits with the result: no result without its job, no job without its result.
    if (rec.error.empty()) jobs::PostgresJobStore::enqueue_in(c, rating_job(rec.spec.match_id), ended_at * 1000);
  });
}

std::optional<MatchRecord> PostgresMatchStore::load(const std::string& match_id) {
  const auto r = pool_.with(
      [&](storage::Pg& c) { return c.query("SELECT record FROM match_results WHERE match_id = $1", match_id); });
  if (r.rows() == 0) return std::nullopt;
  return record_from_json(json::parse(r.view(0, 0)));
}

}  // namespace arena::match
