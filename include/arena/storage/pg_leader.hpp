#pragma once
// One holder among processes: a PostgreSQL session advisory lock on a connection of its own.
// Whoever holds it leads (the matchmaker that forms matches); when its process dies, PostgreSQL
// sees the connection close and frees the lock, and the next hold() of another process takes
// it. Not thread-safe: call from one strand, every second or so.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace arena::storage {

class Pg;

class PgLeaderLock {
 public:
  PgLeaderLock(std::string url, std::int64_t key);
  ~PgLeaderLock();  // lets go (closes the connection)
  PgLeaderLock(const PgLeaderLock&) = delete;
  PgLeaderLock& operator=(const PgLeaderLock&) = delete;

  // Connects when needed, tries the lock when not holding it, and checks the connection when
  // holding it. True while this process holds the lock; false when another does, or PostgreSQL
  // cannot be reached (then it must not act as the leader: it may have lost the lock).
  bool hold();
  bool held() const { return held_; }

 private:
  std::string url_;
  std::int64_t key_;
  std::unique_ptr<Pg> conn_;
  bool held_ = false;
};

// The advisory lock key of the matchmaker's leadership.
inline constexpr std::int64_t kMatchmakerLeaderKey = 0x6172656e614d4d31;  // "arenaMM1"

}  // namespace arena::storage
