#include "arena/core/encoding.hpp"
#include "arena/events/store.hpp"
#include "arena/storage/postgres.hpp"

namespace arena::events {

namespace {
std::optional<std::int64_t> hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return std::nullopt;
}
std::string from_hex(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(hex_digit(hex[i]).value_or(0) * 16 + hex_digit(hex[i + 1]).value_or(0)));
  return out;
}
}  // namespace

int PgEventStore::write(const std::vector<Event>& batch) {
  if (batch.empty()) return 0;
  std::string rows = "[";
  for (const auto& e : batch) {
    if (rows.size() > 1) rows += ',';
    rows += encode(e);  // the envelope's fields are the table's columns
  }
  rows += ']';
  return pool_.transaction([&](storage::Pg& c) {
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
      c.query("INSERT INTO dead_events (time, reason, detail, body) VALUES ($1, $2, $3, decode($4, 'hex'))",
              d.time_ms, d.reason, d.detail,
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
    for (int i = 0; i < r.rows(); ++i)
      out.push_back(Event{r.text(i, 0), r.text(i, 1), r.int64(i, 2), r.text(i, 3),
                          r.optional_text(i, 4).value_or(""), r.optional_text(i, 5).value_or(""),
                          r.optional_text(i, 6).value_or(""), r.optional_text(i, 7).value_or(""), r.text(i, 8)});
    return out;
  });
}

std::vector<DeadLetter> PgEventStore::dead_letters(int limit) {
  return pool_.with([&](storage::Pg& c) {
    auto r = c.query("SELECT time, reason, detail, encode(body, 'hex') FROM dead_events ORDER BY id DESC LIMIT $1",
                     static_cast<std::int64_t>(limit));
    std::vector<DeadLetter> out;
    for (int i = 0; i < r.rows(); ++i)
      out.push_back(DeadLetter{r.int64(i, 0), r.text(i, 1), r.text(i, 2), from_hex(r.view(i, 3))});
    return out;
  });
}

}  // namespace arena::events
