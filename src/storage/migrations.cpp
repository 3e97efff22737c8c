#include "arena/storage/migrations.hpp"

#include <map>

#include "arena/core/encoding.hpp"
#include "arena/storage/postgres.hpp"

namespace arena::storage {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)";
constexpr std::string_view kSelectApplied = "SELECT version, checksum, applied_at FROM schema_migrations";
constexpr std::string_view kInsertApplied =
    "INSERT INTO schema_migrations(version, name, checksum, applied_at) VALUES (?, ?, ?, ?)";

struct Applied {
  std::string checksum;
  std::int64_t applied_at;
};

std::map<int, Applied> applied(Sqlite& db) {
  db.exec(kCreateTable);
  std::map<int, Applied> out;
  auto& st = db.prepare(kSelectApplied).bind();
  while (st.step()) out[static_cast<int>(st.int64(0))] = {st.text(1), st.int64(2)};
  return out;
}

// PostgreSQL: the same table; the advisory lock's key is arbitrary but fixed ("arena mig").
constexpr std::string_view kPgCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)";
constexpr std::string_view kPgLock = "SELECT pg_advisory_lock(7308604897063985511)";
constexpr std::string_view kPgInsertApplied =
    "INSERT INTO schema_migrations(version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)";

std::map<int, Applied> applied(Pg& db) {
  db.exec(kPgCreateTable);
  std::map<int, Applied> out;
  auto r = db.query(kSelectApplied);
  for (int i = 0; i < r.rows(); ++i) out[static_cast<int>(r.int64(i, 0))] = {r.text(i, 1), r.int64(i, 2)};
  return out;
}

std::vector<MigrationState> states(const std::map<int, Applied>& done, const std::vector<Migration>& migrations) {
  std::vector<MigrationState> out;
  for (const auto& m : migrations) {
    MigrationState s{m.version, m.name, std::nullopt, false};
    if (auto it = done.find(m.version); it != done.end()) {
      s.applied_at = it->second.applied_at;
      s.modified = it->second.checksum != core::sha256_hex(m.sql);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

int migrate_up(const std::string& url, const std::vector<Migration>& migrations, std::int64_t now_unix) {
  auto db = Pg::connect(url);
  db->exec("SET client_min_messages = warning");  // no NOTICE for IF NOT EXISTS
  db->query(kPgLock);
  const auto done = applied(*db);
  int count = 0;
  for (const auto& m : migrations) {
    if (done.contains(m.version)) continue;
    db->exec("BEGIN");
    try {
      db->exec(m.sql);
      db->query(kPgInsertApplied, m.version, m.name, core::sha256_hex(m.sql), now_unix);
      db->exec("COMMIT");
    } catch (...) {
      if (db->ok()) db->exec("ROLLBACK");
      throw;
    }
    ++count;
  }
  return count;  // the connection closes, and the lock goes with it
}

std::vector<MigrationState> migration_status(const std::string& url, const std::vector<Migration>& migrations) {
  auto db = Pg::connect(url);
  db->exec("SET client_min_messages = warning");
  return states(applied(*db), migrations);
}

int migrate_up(Sqlite& db, const std::vector<Migration>& migrations, std::int64_t now_unix) {
  return db.with([&](Sqlite& conn) {
    const auto done = applied(conn);
    int count = 0;
    for (const auto& m : migrations) {
      if (done.contains(m.version)) continue;
      Transaction tx(conn);
      conn.exec(m.sql);
      conn.prepare(kInsertApplied).bind(m.version, m.name, core::sha256_hex(m.sql), now_unix).exec();
      tx.commit();
      ++count;
    }
    return count;
  });
}

std::vector<MigrationState> migration_status(Sqlite& db, const std::vector<Migration>& migrations) {
  return db.with([&](Sqlite& conn) { return states(applied(conn), migrations); });
}

}  // namespace arena::storage
