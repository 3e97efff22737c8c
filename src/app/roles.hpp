#pragma once
// The roles a process runs, as components. Each role declares the collaborators it uses in its
// constructor and reads only its own settings section; the App builds the shared ones (bus,
// token verifier, storage, registry) and then the roles, in dependency order, from one list.
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "arena/auth/metrics.hpp"
#include "arena/auth/store.hpp"
#include "arena/auth/token_verifier.hpp"
#include "arena/bus/bus.hpp"
#include "arena/config/settings.hpp"
#include "arena/core/clock.hpp"
#include "arena/core/json_input.hpp"
#include "arena/events/emitter.hpp"
#include "arena/events/pipeline.hpp"
#include "arena/events/settings.hpp"
#include "arena/events/store.hpp"
#include "arena/http/router.hpp"
#include "arena/jobs/worker.hpp"
#include "arena/leaderboards/store.hpp"
#include "arena/matchmaking/mode.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/postmatch/after_match.hpp"
#include "arena/router/router.hpp"
#include "arena/runtime/timers.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/storage/redis.hpp"
#include "arena/storage/sqlite.hpp"

namespace arena::app {

class Component {
 public:
  virtual ~Component() = default;
  virtual std::string_view name() const = 0;
  // Subscribes, starts its threads and adds its routes. Throws on a setting it cannot use.
  virtual void start() = 0;
  // Stops taking new work and lets what is in flight finish within `timeout`; true when it did.
  // Roles drain in the reverse of their start order, before the HTTP server drains.
  virtual bool drain(std::chrono::milliseconds /*timeout*/) { return true; }
  // Readiness checks this role adds to /readyz (name -> ok); called on a storage thread.
  virtual void check(std::map<std::string, bool>& /*checks*/) {}
  // Unsubscribes and joins its threads; nothing of the role runs afterwards. Idempotent.
  // Roles stop in the reverse of their start order.
  virtual void stop() = 0;
};

// What the App owns and lends to the roles. Each role takes only the members it names.
struct Shared {
  const core::Clock& clock;
  runtime::Timers& timers;  // every repeating piece of work, on the injected clock
  metrics::Registry& registry;
  bus::Bus& bus;
  router::Router& router;
  http::Router& routes;
  auth::TokenVerifier& verifier;
  auth::AuthMetrics& auth_metrics;  // shared with the verifier
  storage::Sqlite* db;  // open when a role in this process needs durable storage (auth, host, worker, matchmaker)
  storage::PgPool* pg = nullptr;  // instead of db for the roles that have PostgreSQL stores, when `database` names it
  storage::RedisPool* redis = nullptr;  // shared state (rate limits), when `redis` names one
  // arena_redis_errors_total{use}, with `redis`: the calls that failed, by what they were for.
  metrics::Family<metrics::Counter>* redis_errors = nullptr;
  // Game events: every role emits into `events` (off when nothing in this process takes them).
  events::Emitter* events = nullptr;
  const events::Catalogue* event_types = nullptr;
  events::Stream* event_stream = nullptr;        // null when this process publishes nowhere
  events::Publisher* event_publisher = nullptr;  // with event_stream
};

std::unique_ptr<Component> auth_role(const auth::Settings& settings, const http::Settings& http, Shared& shared);
std::unique_ptr<Component> sessions_role(const sessions::ChannelSettings& settings, Shared& shared);
std::unique_ptr<Component> host_role(match::HostSettings settings, Shared& shared);
std::unique_ptr<Component> matchmaker_role(const matchmaking::Settings& settings, Shared& shared);
std::unique_ptr<Component> gateway_role(gateway::Settings settings, Shared& shared);
// What the player and board routes read (the worker role owns them), on the worker's database.
struct BoardServices {
  auth::AccountStore& accounts;
  ratings::RatingStore& ratings;
  match::MatchStore& matches;
  leaderboards::BoardStore& store;
  const core::Clock& clock;
  postmatch::AfterMatch& after_match;  // the boards, and what a match writes to them
  std::string server_key;              // leaderboards.server_key
  core::JsonLimits json_limits;
  const std::vector<matchmaking::ModeConfig>& modes;  // GET /v1/modes
};
// GET /v1/players/{id} (ranks on the modes' rating boards), /v1/players/{id}/matches,
// /v1/matches/{id}; src/app/player_routes.cpp.
void add_player_routes(http::Router& routes, BoardServices& boards);
// GET /v1/leaderboards, /v1/leaderboards/{board}, .../around/{user_id}, .../seasons, and
// POST .../scores; src/app/board_routes.cpp.
void add_board_routes(http::Router& routes, BoardServices& boards);
// GET and POST /graphql (api/schema.graphql over the same data as the routes above);
// src/app/graphql_api.cpp.
void add_graphql_routes(http::Router& routes, BoardServices& boards, auth::TokenVerifier& verifier, bus::Bus& bus,
                        const config::GraphqlSettings& limits);
// Applies finished matches (ratings by the modes in `modes`, boards) and the upkeep jobs; serves
// the player and board routes.
// Writes the game events of the stream into analytics storage; serves /v1/admin/events.
std::unique_ptr<Component> events_role(const events::Settings& settings, std::string admin_key, Shared& shared);
std::unique_ptr<Component> worker_role(jobs::WorkerSettings settings, const matchmaking::Settings& modes,
                                       leaderboards::Settings boards, const config::GraphqlSettings& graphql,
                                       std::size_t json_max_depth, std::chrono::milliseconds events_retention,
                                       Shared& shared);
// The events table of the process's database (PostgreSQL, else SQLite).
std::unique_ptr<events::EventStore> open_event_store(Shared& shared);
// The events table's recurring jobs: events.rollup (hourly roll-ups of the hours that ended) and
// events.prune (daily: what is older than `retention`, unless 0).
// With an emitter that is on, events.republish too (every 10 minutes: the match.ended and rating.changed
// events of durable writes that never reached the table, docs/events.md).
void add_event_jobs(jobs::Worker& worker, events::EventStore& store, const core::Clock& clock,
                    std::chrono::milliseconds retention, events::Emitter* emitter);

}  // namespace arena::app
