#pragma once
// A session: one player's logical connection, which outlives a dropped socket for the resume
// window. Every push gets the next seq and is kept in a bounded ring so a client that
// reconnects with {sid, last_seq} gets what it missed, in order.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "arena/core/clock.hpp"
#include "arena/core/mutex.hpp"

namespace arena::gateway {

struct Outbound {
  std::uint64_t seq = 0;                    // 0: a reply/event frame, sent as is
  std::shared_ptr<const std::string> body;  // push body after `{"seq":N,`, or a whole frame
  std::size_t size() const { return body->size() + (seq != 0 ? 24 : 0); }
};

// Where a session's frames go while a socket is attached (the WebSocket connection).
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void send(Outbound out) = 0;  // thread-safe; keeps call order
};

class MirrorWriter;  // mirror_writer.hpp

// A push kept for resume: its seq, the route message's id and the body.
struct Kept {
  Outbound out;
  std::string id;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::string id, std::string user_id, std::size_t buffer_limit)
      : id_(std::move(id)), user_id_(std::move(user_id)), limit_(buffer_limit) {}
  // A session moved here from another gateway: its seq goes on from `seq`, and `kept` (oldest
  // first, the last ones up to `seq`) are there for the client to be sent again. Pushes that
  // arrive are held (gathered) until finish_gathering().
  Session(std::string id, std::string user_id, std::size_t buffer_limit, std::uint64_t seq, std::vector<Kept> kept);

  const std::string& id() const { return id_; }
  const std::string& user_id() const { return user_id_; }
  // Whether this session of the user began before the session `sid` (a kick under the replace
  // policy closes those that did). By sid, which is a UUIDv7 (time-ordered); a session that moved
  // here has a new sid, so by when it first began (created_ms, its mirror's).
  bool opened_before(std::string_view sid) const;

  // With a mirror (cluster mode), a push goes to the socket only once the mirror has it, so that
  // whatever the client saw can be sent again by another gateway: push() hands it to the writer,
  // which calls release() after the write. Set before the first push; `created_ms` is when the
  // session began (a mirror made again starts from it).
  void mirror_to(MirrorWriter* writer, std::int64_t created_ms);
  std::int64_t created_ms() const;
  std::uint64_t released_seq() const;  // pushes up to here went (or may go) to the socket

  // Stamps the next seq, keeps the push for resume, and sends it if a socket is attached (with a
  // mirror: once released). `id` is the route message's id (empty for pushes made here).
  void push(const std::shared_ptr<const std::string>& body, std::string_view id = {});
  // The mirror has these pushes (of this session, in seq order): sends each one not sent yet.
  void release(const std::vector<Outbound>& outs);
  // Ends gathering: stamps `missed` (what was routed to this session while it moved, oldest
  // first), then what arrived meanwhile, each message once; for a while after, a message with one
  // of those ids is still dropped (it may also come the live way, late). Returns how many of
  // `missed` it stamped.
  std::size_t finish_gathering(const std::vector<std::pair<std::string, std::shared_ptr<const std::string>>>& missed);
  // Forgets the ids finish_gathering() remembered.
  void settled();

  enum class Attach {
    attached,
    seq_ahead,        // last_seq is beyond every push this session sent
    missed_too_much,  // some pushes after last_seq already left the resume buffer
  };
  // Attaches `sink`. With `last_seq`, first checks that every push after it is still buffered
  // (else attaches nothing and says why); then sends `welcome(replayed)` followed by the
  // missed pushes, all before any new push can reach the sink. `welcome` runs under the
  // session's lock: it must not call back into the session.
  Attach attach(const std::shared_ptr<Sink>& sink, std::optional<std::uint64_t> last_seq,
                const std::function<Outbound(std::size_t replayed, std::uint64_t last_seq)>& welcome);
  // Detaches `sink` if it is the attached one; returns true if it was.
  bool detach(const Sink* sink, core::SystemTime now);
  std::shared_ptr<Sink> sink() const;
  // Set while no socket is attached.
  std::optional<core::SystemTime> detached_since() const;
  std::uint64_t last_seq() const;
  // The kept pushes, oldest first (what a mirror starts from).
  std::vector<Kept> kept() const;

  // Channels this session is in (the gateway's local view).
  bool add_channel(const std::string& channel, std::size_t max, std::int64_t joined_ms = 0);
  bool remove_channel(const std::string& channel);
  bool in_channel(const std::string& channel) const;
  std::vector<std::string> channels() const;
  std::vector<std::pair<std::string, std::int64_t>> channels_joined() const;  // with Unix ms of joining

 private:
  const std::string id_;
  const std::string user_id_;
  const std::size_t limit_;
  const bool moved_ = false;  // made by the moved-session constructor
  mutable core::Mutex mu_;
  void keep(Kept k) ARENA_REQUIRES(mu_);
  void stamp(const std::shared_ptr<const std::string>& body, std::string_view id) ARENA_REQUIRES(mu_);
  // Stamps unless a message with this id was stamped before (while it moved).
  void stamp_once(const std::string& id, const std::shared_ptr<const std::string>& body) ARENA_REQUIRES(mu_);

  std::uint64_t seq_ ARENA_GUARDED_BY(mu_) = 0;
  std::uint64_t released_ ARENA_GUARDED_BY(mu_) = 0;  // pushes up to here may go to the socket
  std::vector<Kept> ring_ ARENA_GUARDED_BY(mu_);      // grows to limit_, then wraps
  std::size_t head_ ARENA_GUARDED_BY(mu_) = 0;        // index of the oldest entry once full
  MirrorWriter* mirror_ ARENA_GUARDED_BY(mu_) = nullptr;
  std::int64_t created_ms_ ARENA_GUARDED_BY(mu_) = 0;
  bool gathering_ ARENA_GUARDED_BY(mu_) = false;
  std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> gathered_ ARENA_GUARDED_BY(mu_);
  std::unordered_set<std::string> seen_ ARENA_GUARDED_BY(mu_);  // ids stamped while it moved
  std::weak_ptr<Sink> sink_ ARENA_GUARDED_BY(mu_);
  std::optional<core::SystemTime> detached_since_ ARENA_GUARDED_BY(mu_);
  std::map<std::string, std::int64_t> channels_ ARENA_GUARDED_BY(mu_);  // -> Unix ms joined
};

}  // namespace arena::gateway
