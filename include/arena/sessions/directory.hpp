#pragma once
// Where the sessions role keeps presence and channel membership: in this process's memory (one
// sessions process: embedded mode, or a cluster without Redis), or in Redis, shared by any number
// of sessions processes. Both keep one contract (src/sessions/directory_conformance.cpp). Every
// method is atomic on its own; the Redis one blocks on a round trip and throws
// storage::RedisError when Redis does not answer.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "arena/core/mutex.hpp"

namespace arena::storage {
class RedisPool;
}

namespace arena::sessions {

struct Where {
  std::string sid;
  std::string node;
};

struct SessionRef {
  std::string user;
  std::string sid;
};

struct Joined {
  enum class Outcome { joined, full, closed };
  Outcome outcome = Outcome::joined;
  bool first_of_user = false;        // the user was not in the channel before (tell the others)
  std::vector<std::string> members;  // users, after the join
};

class Directory {
 public:
  virtual ~Directory() = default;

  // Presence. True when it is the user's first session (they came online). A session closed
  // before (its close overtook its open on the bus) is not opened again.
  virtual bool open(const std::string& sid, const std::string& user, const std::string& node) = 0;
  // True when it was the user's last session (they went offline). The sid is remembered as closed.
  virtual bool close(const std::string& sid, const std::string& user) = 0;
  virtual std::vector<Where> lookup(const std::string& user) = 0;
  // The nodes (gateways) that opened sessions and were not claimed since.
  virtual std::vector<std::string> nodes() = 0;
  // A node went silent (a crashed gateway; each sessions process judges by the heartbeats it
  // hears): the first caller gets its sessions, to close, and the node is forgotten; a later
  // caller gets nothing.
  virtual std::vector<SessionRef> claim_node(const std::string& node) = 0;

  // Channels. A session closed before is refused (Outcome::closed), as is a new member of a
  // channel that has `max_members` users.
  virtual Joined join(const std::string& channel, const std::string& user, const std::string& sid,
                      std::size_t max_members) = 0;
  // True when the user has no session left in the channel (tell the others).
  virtual bool leave(const std::string& channel, const std::string& user, const std::string& sid) = 0;
  virtual std::vector<std::string> members(const std::string& channel) = 0;
  // The session ended: it leaves every channel it was in; returns those the user is gone from.
  // The sid is remembered as closed.
  virtual std::vector<std::string> close_channels(const std::string& sid, const std::string& user) = 0;

  // False when the directory lost what it held since the last call (Redis restarted empty): the
  // gateways must announce their sessions again. Throws when it cannot tell.
  virtual bool intact() = 0;
};

// In this process's memory: one sessions process only.
class MemoryDirectory final : public Directory {
 public:
  bool open(const std::string& sid, const std::string& user, const std::string& node) override;
  bool close(const std::string& sid, const std::string& user) override;
  std::vector<Where> lookup(const std::string& user) override;
  std::vector<std::string> nodes() override;
  std::vector<SessionRef> claim_node(const std::string& node) override;
  Joined join(const std::string& channel, const std::string& user, const std::string& sid,
              std::size_t max_members) override;
  bool leave(const std::string& channel, const std::string& user, const std::string& sid) override;
  std::vector<std::string> members(const std::string& channel) override;
  std::vector<std::string> close_channels(const std::string& sid, const std::string& user) override;
  bool intact() override;  // false the first time: it starts with nothing (a restarted process)

  // Closed sessions remembered (oldest forgotten first).
  static constexpr std::size_t kClosedRemembered = 65'536;

 private:
  void remember_closed(const std::string& sid) ARENA_REQUIRES(mu_);
  // Removes `sid` of `user` from `channel`; true when the user has no session left there.
  bool remove_locked(const std::string& channel, const std::string& user, const std::string& sid) ARENA_REQUIRES(mu_);

  core::Mutex mu_;
  std::unordered_map<std::string, std::vector<Where>> users_ ARENA_GUARDED_BY(mu_);
  std::set<std::string> nodes_ ARENA_GUARDED_BY(mu_);
  // channel -> user -> sids
  std::unordered_map<std::string, std::map<std::string, std::set<std::string>>> channels_ ARENA_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::set<std::string>> session_channels_ ARENA_GUARDED_BY(mu_);  // sid -> channels
  std::unordered_set<std::string> closed_ ARENA_GUARDED_BY(mu_);
  std::deque<std::string> closed_order_ ARENA_GUARDED_BY(mu_);
  bool looked_ ARENA_GUARDED_BY(mu_) = false;
};

// In Redis (keys arena:s:*), shared by every sessions process of a cluster. A closed sid is
// remembered for an hour.
class RedisDirectory final : public Directory {
 public:
  explicit RedisDirectory(storage::RedisPool& redis) : redis_(redis) {}
  bool open(const std::string& sid, const std::string& user, const std::string& node) override;
  bool close(const std::string& sid, const std::string& user) override;
  std::vector<Where> lookup(const std::string& user) override;
  std::vector<std::string> nodes() override;
  std::vector<SessionRef> claim_node(const std::string& node) override;
  Joined join(const std::string& channel, const std::string& user, const std::string& sid,
              std::size_t max_members) override;
  bool leave(const std::string& channel, const std::string& user, const std::string& sid) override;
  std::vector<std::string> members(const std::string& channel) override;
  std::vector<std::string> close_channels(const std::string& sid, const std::string& user) override;
  bool intact() override;

 private:
  storage::RedisPool& redis_;
};

}  // namespace arena::sessions
