#pragma once
// Sessions that move between gateways (cluster mode). Each gateway mirrors its sessions (user,
// seq, channels and the last pushes with their route message ids) into a store every gateway
// reads, Redis; the bus keeps what was routed lately (bus::History, a JetStream stream). A player
// whose gateway died, or who reconnects through another one, resumes there with every push it
// missed, in order, each once. A push reaches the socket only after the mirror has it, so
// whatever the client saw can be sent again by any gateway.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace arena::storage {
class RedisPool;
}

namespace arena::gateway {

struct MirrorEntry {
  std::uint64_t seq = 0;
  std::string id;  // the route message's id; empty for a push the gateway made itself
  std::string body;
};

struct MirrorChannel {
  std::string name;
  std::int64_t joined_ms = 0;  // Unix ms: routed messages before it were not this session's
};

// One batch of changes to one session's mirror.
struct MirrorWrite {
  std::string sid;
  std::string user;             // set: the session is new here (its mirror is made first)
  std::int64_t created_ms = 0;  // with `user`
  std::uint64_t seq = 0;        // with `user`: the seq it starts from (a session moved here)
  std::vector<MirrorEntry> entries;                    // pushes, in seq order
  std::optional<std::vector<MirrorChannel>> channels;  // the channels now, when they changed
  bool close = false;                                  // the session ended: its mirror goes
};

struct MirroredSession {
  std::string user;
  std::string node;  // the gateway that had it
  std::int64_t created_ms = 0;
  std::uint64_t seq = 0;  // the last push it was sent
  std::vector<MirrorChannel> channels;
  std::vector<MirrorEntry> entries;  // the last pushes (up to the limit), oldest first, up to `seq`
};

class SessionMirror {
 public:
  virtual ~SessionMirror() = default;
  struct Written {
    std::vector<std::string> taken;  // another gateway took these sessions: let them go
    std::vector<std::string> lost;   // their mirror is gone (Redis lost it): write it again, whole
  };
  // Applies `writes` (in order) for gateway `node`, keeping `limit` pushes per session. A write of a
  // taken or lost session changes nothing. Throws when the store does not answer.
  virtual Written write(const std::string& node, const std::vector<MirrorWrite>& writes, std::size_t limit) = 0;
  // Says `node` is alive (for the node ttl), and keeps the mirrors of `sids` (its sessions) for the
  // session ttl more.
  virtual void keep_alive(const std::string& node, const std::vector<std::string>& sids) = 0;
  // Takes session `sid` over for `node` (exactly one caller gets it; what stays is a tombstone that
  // tells the old gateway, for the node ttl): nullopt when there is none, it is not `user`'s, it
  // moved already, or its gateway has been silent for longer than the node ttl.
  virtual std::optional<MirroredSession> take(const std::string& sid, const std::string& user,
                                              const std::string& node) = 0;
};

// Keys arena:m:<sid> (a hash: user, node, created, seq, channels), arena:m:<sid>:l (a list of
// pushes) and arena:m:node:<node> (liveness, for `node_ttl`: the resume window). A session's keys
// live `session_ttl` after their last write or keep_alive.
std::unique_ptr<SessionMirror> redis_session_mirror(storage::RedisPool& redis, std::chrono::milliseconds node_ttl,
                                                    std::chrono::milliseconds session_ttl);

}  // namespace arena::gateway
