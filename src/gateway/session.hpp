#pragma once
// A session: one player's logical connection, which outlives a dropped socket for the resume
// window. Every push gets the next seq and is kept in a bounded ring so a client that
// reconnects with {sid, last_seq} gets what it missed, in order.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
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

class Session {
 public:
  Session(std::string id, std::string user_id, std::size_t buffer_limit)
      : id_(std::move(id)), user_id_(std::move(user_id)), limit_(buffer_limit) {}

  const std::string& id() const { return id_; }
  const std::string& user_id() const { return user_id_; }

  // Stamps the next seq, keeps the push for resume, and sends it if a socket is attached.
  void push(const std::shared_ptr<const std::string>& body);

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

  // Channels this session is in (the gateway's local view).
  bool add_channel(const std::string& channel, std::size_t max);
  bool remove_channel(const std::string& channel);
  bool in_channel(const std::string& channel) const;
  std::vector<std::string> channels() const;

 private:
  const std::string id_;
  const std::string user_id_;
  const std::size_t limit_;
  mutable core::Mutex mu_;
  std::uint64_t seq_ ARENA_GUARDED_BY(mu_) = 0;
  std::vector<Outbound> ring_ ARENA_GUARDED_BY(mu_);  // grows to limit_, then wraps
  std::size_t head_ ARENA_GUARDED_BY(mu_) = 0;        // index of the oldest entry once full
  std::weak_ptr<Sink> sink_ ARENA_GUARDED_BY(mu_);
  std::optional<core::SystemTime> detached_since_ ARENA_GUARDED_BY(mu_);
  std::set<std::string> channels_ ARENA_GUARDED_BY(mu_);
};

}  // namespace arena::gateway
