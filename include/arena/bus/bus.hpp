#pragma once
// The event bus every service talks over: publish, subscribe with NATS-style wildcards
// ("*" one token, ">" the rest), queue groups (one member of a group gets each message) and
// request/reply with a timeout. Two implementations share one conformance suite: MemoryBus
// (embedded, in-process) and NatsBus (cluster, nats.c).
//
// Handlers run on bus threads (MemoryBus's delivery pool, nats.c's delivery pool for NatsBus),
// never on the publisher's thread. They must be quick and thread-safe: a role hands real work
// to its own executor (runtime::Strand). Each subscription is one queue: two subscriptions of
// one service may be called at once and in either order, so messages whose order matters
// (session.opened before session.closed) belong on one subscription (a wildcard).
// Calls to one subscription's handler never overlap and keep the order in which one
// publisher published. A handler never runs after its Subscription has been destroyed.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "arena/core/clock.hpp"

namespace arena::bus {

struct Message {
  std::string_view subject;
  std::string_view reply;  // where to answer a request; empty otherwise
  std::string_view data;
};
using Handler = std::function<void(const Message&)>;

// A Message that owns its bytes, to hand a delivery on to another executor.
struct OwnedMessage {
  explicit OwnedMessage(const Message& m) : subject(m.subject), reply(m.reply), data(m.data) {}
  Message view() const { return {subject, reply, data}; }
  std::string subject, reply, data;
};

// Unsubscribes when destroyed (also from inside its own handler).
class Subscription {
 public:
  virtual ~Subscription() = default;
};

enum class RequestError { none, timeout, no_responders, closed };
std::string_view to_string(RequestError e);

struct Reply {
  RequestError error = RequestError::none;
  std::string data;
};
using ReplyHandler = std::function<void(Reply)>;

class Bus {
 public:
  virtual ~Bus() = default;

  // Throws std::invalid_argument for a subject that is empty, has empty tokens or wildcards.
  virtual void publish(std::string_view subject, std::string_view data, std::string_view reply = {}) = 0;
  virtual std::unique_ptr<Subscription> subscribe(std::string_view pattern, Handler handler,
                                                  std::string_view queue_group = {}) = 0;
  // Calls `on_reply` exactly once: with the first reply, or an error (timeout, no_responders, closed).
  virtual void request(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout,
                       ReplyHandler on_reply) = 0;
  // Waits until everything published so far has reached the bus (NATS: a round trip).
  virtual bool flush(std::chrono::milliseconds timeout) = 0;
  // "memory" or the server URL.
  virtual std::string describe() const = 0;
  // The connection to the server is up now (MemoryBus: always). /readyz reports it.
  virtual bool connected() const = 0;

  // Another client of the same bus whose subscriptions never get what it published itself
  // (NATS's no_echo): a gateway hands its own route messages to its local sessions directly and
  // lets the bus carry them only to the other gateways. Destroy it before this bus.
  virtual std::unique_ptr<Bus> open_no_echo(const std::string& client_name) = 0;

  // Blocking convenience over request(); not for I/O threads.
  Reply request_sync(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout);
};

// "memory" / "" -> MemoryBus; "nats://host:port[,nats://...]" -> NatsBus named `client_name`.
// Throws std::invalid_argument on anything else.
// Request timeouts run on `clock` (it outlives the bus).
std::unique_ptr<Bus> connect(const std::string& url, const std::string& client_name,
                             const core::Clock& clock = core::system_clock());

// Subject rules (NATS): tokens separated by '.', none empty; no whitespace; in patterns "*"
// matches one token and ">" (last token only) one or more.
bool valid_subject(std::string_view subject);
bool valid_pattern(std::string_view pattern);
bool subject_matches(std::string_view pattern, std::string_view subject);
// A string that may be used as one token (channel names, user ids): 1-128 of [A-Za-z0-9_-:]
// (no '.', '*', '>' or whitespace).
bool valid_token(std::string_view token);

}  // namespace arena::bus
