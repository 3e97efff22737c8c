#include "arena/match/store.hpp"

#include <boost/json.hpp>

#include "arena/storage/sqlite.hpp"

namespace arena::match {
namespace json = boost::json;

void SqliteMatchStore::save(const MatchRecord& rec, std::int64_t ended_at) {
  const std::string body = json::serialize(to_json(rec));
  db_.with([&](storage::Sqlite& c) {
    c.prepare(
         "INSERT INTO match_results (match_id, mode, game, ended_at, failed, record) VALUES (?, ?, ?, ?, ?, ?) "
         "ON CONFLICT (match_id) DO NOTHING")
        .bind(rec.spec.match_id, rec.spec.mode, rec.spec.game, ended_at, !rec.error.empty(), body)
        .exec();
  });
}

std::optional<MatchRecord> SqliteMatchStore::load(const std::string& match_id) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<MatchRecord> {
    auto& st = c.prepare("SELECT record FROM match_results WHERE match_id = ?").bind(match_id);
    if (!st.step()) return std::nullopt;
    return record_from_json(json::parse(st.text(0)));
  });
}

}  // namespace arena::match
