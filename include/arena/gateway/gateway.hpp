#pragma once
// The WebSocket gateway: GET /v1/ws upgrades after verifying the access token (Authorization:
// Bearer, or the subprotocol pair "arena.v1, bearer.<token>"), opens or resumes a session,
// dispatches client ops from a table (docs/protocol.md) and delivers server pushes with a
// per-session seq. Each connection has a bounded send queue; a client that cannot keep up is
// closed with 4008 and never slows anyone else.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "arena/auth/token_verifier.hpp"
#include "arena/bus/bus.hpp"
#include "arena/bus/history.hpp"
#include "arena/core/clock.hpp"
#include "arena/core/shared_limit.hpp"
#include "arena/gateway/mirror.hpp"
#include "arena/gateway/settings.hpp"
#include "arena/http/router.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/runtime/timers.hpp"

namespace arena::gateway {

class Link;  // src/gateway/link.hpp

struct GatewayMetrics {
  explicit GatewayMetrics(metrics::Registry& r);
  metrics::Gauge& connections_open;
  metrics::Counter& connections_total;
  metrics::Gauge& sessions_open;
  metrics::Family<metrics::Counter>& ops;      // op
  metrics::Family<metrics::Counter>& errors;   // code
  metrics::Family<metrics::Counter>& closes;   // code
  metrics::Family<metrics::Counter>& resumes;  // result
  metrics::Counter& pushes;
  metrics::Counter& frames_out;
  metrics::Counter& writes;  // socket writes: frames_out / writes is the frames each write carried
  metrics::Counter& bad_bus_messages;
  metrics::Counter& history_pushes;
  metrics::Family<metrics::Counter>& upgrade_limit_syncs;  // result: ok, failed (with a shared upgrade limit)
};

// What the dispatcher checks before an op's handler runs (every op needs a session). States
// that another role owns (in a party, party leader, a seat in a match) are checked there.
enum class Need {
  session,
  channel_member,  // d.channel names a channel this session is in
};
// Where an op is answered: the gateway itself, or the role it forwards the op to over the bus.
enum class AnsweredBy { gateway, sessions, matchmaker, host };
std::string_view to_string(AnsweredBy a);

// One op of the client protocol, as declared in the table (see ops()). docs/protocol.md has a
// row per op with the same name, needs and "answered by" (a test checks both directions).
struct OpInfo {
  std::string_view name;
  std::string_view payload;  // shape of "d", for docs
  std::string_view reply;    // shape of the reply's "d"
  std::string_view needs;    // session state required, in words
  Need need = Need::session;
  AnsweredBy by = AnsweredBy::gateway;
};
const std::vector<OpInfo>& ops();

// What a gateway shares with the other gateways of a cluster (each may be null; each outlives the
// gateway).
struct ClusterParts {
  // The upgrades per IP that every gateway counts together (through Redis), on top of this
  // gateway's own limit.
  core::SharedLimit* shared_upgrades = nullptr;
  // Both or neither: sessions mirrored here move to another gateway with every push (mirror.hpp).
  SessionMirror* mirror = nullptr;
  bus::History* history = nullptr;
};

class Gateway {
 public:
  Gateway(Settings settings, bus::Bus& bus, auth::TokenVerifier& verifier, const core::Clock& clock,
          runtime::Timers& timers, metrics::Registry& registry, ClusterParts cluster = {});
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Adds GET /v1/ws.
  void install(http::Router& router);
  // Closes every connection with 1001 (going away) and waits up to `timeout` for them to go.
  bool drain(std::chrono::milliseconds timeout);
  std::size_t connections() const;
  // Its bus clients (the shared one and its own no-echo one for routes) are connected: /readyz.
  bool bus_connected() const;
  // Closes (4004) every connection authenticated by this login (the JWT's sid): a logout or a
  // detected refresh-token theft ends live sockets too, not only future requests.
  void revoke_login(const std::string& login_id);

  // Sessions beginning and ending, for the game-event stream: `opened` (a new session, not one
  // resumed or moved here) or not (closed: ended, replaced or expired; not when it moved to
  // another gateway), with the session's age in ms and why it closed. Set once, before serving;
  // called on whichever thread opened or closed the session.
  struct SessionChange {
    bool opened;
    const std::string& user_id;
    const std::string& sid;
    std::int64_t age_ms;
    std::string_view reason;
  };
  void on_session_change(std::function<void(const SessionChange&)> fn);

  // Links without a socket (the ops fuzz target, tests): as if the WebSocket of `link` (whose
  // info() names its user) had opened, sent the text message `text`, or closed.
  void open_link(const std::shared_ptr<Link>& link);
  void link_text(const std::shared_ptr<Link>& link, std::string_view text);
  void link_closed(const std::shared_ptr<Link>& link);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace arena::gateway
