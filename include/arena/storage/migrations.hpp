#pragma once
// Numbered SQL migrations (migrations/sqlite/NNNN_name.sql), compiled into the binary and
// applied in order. Applied versions are recorded with a checksum so an edited migration shows.
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

// Applies every pending migration, each in its own transaction; returns how many ran.
int migrate_up(Sqlite& db, const std::vector<Migration>& migrations, std::int64_t now_unix);
std::vector<MigrationState> migration_status(Sqlite& db, const std::vector<Migration>& migrations);

}  // namespace arena::storage
