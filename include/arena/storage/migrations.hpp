#pragma once
// Numbered SQL migrations (migrations/sqlite/NNNN_name.sql and migrations/postgres/NNNN_name.sql,
// one schema in each back end's terms), compiled into the binary and applied in order. Applied
// versions are recorded with a checksum so an edited migration shows.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arena/storage/sqlite.hpp"

namespace arena::storage {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

struct MigrationState {
  int version;
  std::string name;
  std::optional<std::int64_t> applied_at;  // unix seconds; empty = pending
  bool modified = false;                   // applied, but the file changed since
};

const std::vector<Migration>& sqlite_migrations();
const std::vector<Migration>& postgres_migrations();

// Applies every pending migration, each in its own transaction; returns how many ran.
int migrate_up(Sqlite& db, const std::vector<Migration>& migrations, std::int64_t now_unix);
std::vector<MigrationState> migration_status(Sqlite& db, const std::vector<Migration>& migrations);

// PostgreSQL at `url`, on a connection of its own: the same, under a session advisory lock, so
// two processes starting at once apply each migration once (the second waits, then finds them
// applied). The lock goes with the connection, also when a migration fails.
int migrate_up(const std::string& url, const std::vector<Migration>& migrations, std::int64_t now_unix);
std::vector<MigrationState> migration_status(const std::string& url, const std::vector<Migration>& migrations);

}  // namespace arena::storage
