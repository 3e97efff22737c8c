#include "arena/storage/pg_leader.hpp"

#include "arena/storage/postgres.hpp"

namespace arena::storage {

PgLeaderLock::PgLeaderLock(std::string url, std::int64_t key) : url_(std::move(url)), key_(key) {}

PgLeaderLock::~PgLeaderLock() = default;

bool PgLeaderLock::hold() {
  try {
    if (!conn_ || !conn_->ok()) {
      held_ = false;
      conn_.reset();
      conn_ = Pg::connect(url_, std::chrono::seconds(2));
    }
    if (held_) {
      conn_->query("SELECT 1");  // still connected: still the holder
    } else {
      held_ = conn_->query("SELECT pg_try_advisory_lock($1)", key_).boolean(0, 0);
    }
  } catch (const PgError&) {
    held_ = false;  // the lock went with the connection, or may have
    conn_.reset();
  }
  return held_;
}

}  // namespace arena::storage
