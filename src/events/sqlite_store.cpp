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
      written += st.bind(e.id, e.type, e.time_ms, e.node, opt(e.user_id), opt(e.match_id), opt(e.mode),
                         opt(e.region), e.data)
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

}  // namespace arena::events
