#include "arena/match/store.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <tuple>
#include <unordered_set>

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
// A player's history: their rows joined with the records, newest first (the cursor's parameters
// follow the user's).
constexpr const char* kHistory =
    "SELECT mp.ended_at, mp.place, r.record FROM match_players mp JOIN match_results r ON r.match_id = mp.match_id "
    "WHERE mp.user_id = ";
constexpr const char* kHistoryTop = "? ORDER BY mp.ended_at DESC, mp.match_id DESC LIMIT ?";
constexpr const char* kHistoryAfter =
    "? AND (mp.ended_at, mp.match_id) < (?, ?) ORDER BY mp.ended_at DESC, mp.match_id DESC LIMIT ?";
constexpr const char* kPgHistoryTop = "$1 ORDER BY mp.ended_at DESC, mp.match_id DESC LIMIT $2";
constexpr const char* kPgHistoryAfter =
    "$1 AND (mp.ended_at, mp.match_id) < ($2, $3) ORDER BY mp.ended_at DESC, mp.match_id DESC LIMIT $4";

}  // namespace

Saved SqliteMatchStore::save(const MatchRecord& rec, std::int64_t ended_at, const Lease& lease) {
  const std::string body = json::serialize(to_json(rec));
  return db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    if (!lease.host.empty()) {
      auto& held = c.prepare("SELECT host, epoch FROM running_matches WHERE match_id = ?").bind(rec.spec.match_id);
      if (held.step() && (held.text(0) != lease.host || held.int64(1) != lease.epoch)) {
        held.reset_if_busy();
        return Saved::lost;
      }
      held.reset_if_busy();
    }
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
    c.prepare("DELETE FROM running_matches WHERE match_id = ?").bind(rec.spec.match_id).exec();
    c.prepare("DELETE FROM running_match_log WHERE match_id = ?").bind(rec.spec.match_id).exec();
    tx.commit();
    return stored == 1 ? Saved::stored : Saved::again;
  });
}

std::optional<StoredMatch> SqliteMatchStore::load(const std::string& match_id) {
  return reader_.with([&](storage::Sqlite& c) -> std::optional<StoredMatch> {
    auto& st = c.prepare("SELECT record, ended_at FROM match_results WHERE match_id = ?").bind(match_id);
    if (!st.step()) return std::nullopt;
    StoredMatch out{record_from_json(json::parse(st.text(0))), st.int64(1)};
    st.reset_if_busy();
    return out;
  });
}

std::vector<PlayedMatch> SqliteMatchStore::history(const std::string& user, const HistoryCursor& from, int limit) {
  std::vector<PlayedMatch> out;
  reader_.with([&](storage::Sqlite& c) {
    auto& st = from.match_id.empty()
                   ? c.prepare(std::string(kHistory) + kHistoryTop).bind(user, limit)
                   : c.prepare(std::string(kHistory) + kHistoryAfter).bind(user, from.ended_at, from.match_id, limit);
    while (st.step())
      out.push_back({{record_from_json(json::parse(st.text(2))), st.int64(0)}, static_cast<int>(st.int64(1))});
  });
  return out;
}

std::optional<std::int64_t> SqliteMatchStore::last_played(const std::string& user) {
  return reader_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare("SELECT max(ended_at) FROM match_players WHERE user_id = ?").bind(user);
    st.step();
    const auto at = st.optional_int64(0);
    st.reset_if_busy();
    return at;
  });
}

std::vector<bool> MatchStore::mark_applied_all(const std::vector<std::string>& match_ids, std::int64_t now) {
  std::vector<bool> out;
  out.reserve(match_ids.size());
  for (const auto& id : match_ids) out.push_back(mark_applied(id, now));
  return out;
}

std::vector<bool> SqliteMatchStore::mark_applied_all(const std::vector<std::string>& match_ids, std::int64_t now) {
  std::unordered_set<std::string> marked;
  db_.with([&](storage::Sqlite& c) {
    storage::for_rows(
        c,
        {"INSERT INTO matches_applied (match_id, applied_at) VALUES ", "(?, ?)",
         " ON CONFLICT DO NOTHING RETURNING match_id"},
        match_ids.size(), [](storage::Statement&) {},
        [&](storage::Statement& st, std::size_t i, int p) { st.bind_at(p, match_ids[i]).bind_at(p + 1, now); },
        [&](storage::Statement& st) { marked.insert(st.text(0)); });
  });
  std::vector<bool> out;
  out.reserve(match_ids.size());
  for (const auto& id : match_ids) out.push_back(marked.erase(id) > 0);  // the first of a match named twice
  return out;
}

bool SqliteMatchStore::mark_applied(const std::string& match_id, std::int64_t now) {
  return db_.with([&](storage::Sqlite& c) {
    return c.prepare("INSERT INTO matches_applied (match_id, applied_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
               .bind(match_id, now)
               .exec() == 1;
  });
}

Saved PostgresMatchStore::save(const MatchRecord& rec, std::int64_t ended_at, const Lease& lease) {
  const std::string body = json::serialize(to_json(rec));
  return pool_.transaction([&](storage::Pg& c) {
    if (!lease.host.empty()) {  // FOR UPDATE: an adoption running now waits, or this waits for it
      const auto held =
          c.query("SELECT host, epoch FROM running_matches WHERE match_id = $1 FOR UPDATE", rec.spec.match_id);
      if (held.rows() == 1 && (held.view(0, 0) != lease.host || held.int64(0, 1) != lease.epoch)) return Saved::lost;
    }
    const bool stored = c.query(
                             "INSERT INTO match_results (match_id, mode, game, ended_at, failed, record) VALUES "
                             "($1, $2, $3, $4, $5, $6) ON CONFLICT (match_id) DO NOTHING",
                             rec.spec.match_id, rec.spec.mode, rec.spec.game, ended_at, !rec.error.empty(), body)
                            .affected() == 1;
    if (stored) {
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
    }
    c.query("DELETE FROM running_matches WHERE match_id = $1", rec.spec.match_id);
    c.query("DELETE FROM running_match_log WHERE match_id = $1", rec.spec.match_id);
    return stored ? Saved::stored : Saved::again;
  });
}

std::optional<StoredMatch> PostgresMatchStore::load(const std::string& match_id) {
  const auto r = pool_.with([&](storage::Pg& c) {
    return c.query("SELECT record, ended_at FROM match_results WHERE match_id = $1", match_id);
  });
  if (r.rows() == 0) return std::nullopt;
  return StoredMatch{record_from_json(json::parse(r.view(0, 0))), r.int64(0, 1)};
}

std::vector<PlayedMatch> PostgresMatchStore::history(const std::string& user, const HistoryCursor& from, int limit) {
  const auto r = pool_.with([&](storage::Pg& c) {
    return from.match_id.empty()
               ? c.query(std::string(kHistory) + kPgHistoryTop, user, limit)
               : c.query(std::string(kHistory) + kPgHistoryAfter, user, from.ended_at, from.match_id, limit);
  });
  std::vector<PlayedMatch> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({{record_from_json(json::parse(r.view(i, 2))), r.int64(i, 0)}, static_cast<int>(r.int64(i, 1))});
  return out;
}

std::optional<std::int64_t> PostgresMatchStore::last_played(const std::string& user) {
  return pool_.with([&](storage::Pg& c) {
    return c.query("SELECT max(ended_at) FROM match_players WHERE user_id = $1", user).optional_int64(0, 0);
  });
}

bool PostgresMatchStore::mark_applied(const std::string& match_id, std::int64_t now) {
  return pool_.with([&](storage::Pg& c) {
    return c.query("INSERT INTO matches_applied (match_id, applied_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                   match_id, now)
               .affected() == 1;
  });
}

Saved MemoryMatchStore::save(const MatchRecord& rec, std::int64_t ended_at, const Lease& lease) {
  std::lock_guard lock(mu_);
  auto run = running_.find(rec.spec.match_id);
  if (!lease.host.empty() && run != running_.end() &&
      (run->second.lease.host != lease.host || run->second.lease.epoch != lease.epoch))
    return Saved::lost;
  if (run != running_.end()) running_.erase(run);
  const bool stored = records_.emplace(rec.spec.match_id, StoredMatch{rec, ended_at}).second;  // the first save wins
  return stored ? Saved::stored : Saved::again;
}

std::optional<StoredMatch> MemoryMatchStore::load(const std::string& match_id) {
  std::lock_guard lock(mu_);
  auto it = records_.find(match_id);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

std::vector<PlayedMatch> MemoryMatchStore::history(const std::string& user, const HistoryCursor& from, int limit) {
  std::lock_guard lock(mu_);
  std::vector<PlayedMatch> all;
  for (const auto& [id, m] : records_) {
    const auto& seats = m.record.spec.seats;
    for (std::size_t i = 0; i < seats.size(); ++i)
      if (!seats[i].bot && seats[i].user_id == user) all.push_back({m, place_of(m.record, i)});
  }
  auto key = [](const PlayedMatch& p) { return std::tie(p.match.ended_at, p.match.record.spec.match_id); };
  std::sort(all.begin(), all.end(), [&](const PlayedMatch& a, const PlayedMatch& b) { return key(a) > key(b); });
  std::vector<PlayedMatch> out;
  for (auto& p : all) {
    if (!from.match_id.empty() && key(p) >= std::tie(from.ended_at, from.match_id)) continue;
    if (static_cast<int>(out.size()) == limit) break;
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<std::int64_t> MemoryMatchStore::last_played(const std::string& user) {
  const auto latest = history(user, {}, 1);
  if (latest.empty()) return std::nullopt;
  return latest[0].match.ended_at;
}

bool MemoryMatchStore::mark_applied(const std::string& match_id, std::int64_t) {
  std::lock_guard lock(mu_);
  return applied_.insert(match_id).second;
}

}  // namespace arena::match
