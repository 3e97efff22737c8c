#pragma once
// Every setting Arena reads. Each section is the settings struct of the module that uses it
// (declared beside that module, defaults there); src/config/fields.cpp declares each setting's
// key, help text and parser once, and every source (TOML file, .env, ARENA_* environment,
// command-line flags) goes through that table.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "arena/auth/settings.hpp"
#include "arena/events/settings.hpp"
#include "arena/gateway/settings.hpp"
#include "arena/http/settings.hpp"
#include "arena/jobs/settings.hpp"
#include "arena/leaderboards/settings.hpp"
#include "arena/match/host_settings.hpp"
#include "arena/matchmaking/settings.hpp"
#include "arena/sessions/settings.hpp"

namespace arena::config {

using Millis = std::chrono::milliseconds;

// PostgreSQL's connection pool (when `database` names PostgreSQL).
struct PostgresSettings {
  int pool_size = 16;  // connections per process at most
  Millis wait{2000};   // for a free connection, then 503 unavailable
  int attempts = 3;    // a transaction's tries on serialization failures and dropped connections
};

// Redis (cluster mode's shared state, when `redis` names one).
struct RedisSettings {
  std::string url;      // empty: none (each process keeps its own); redis://[:password@]host:port[/db]
  int pool_size = 8;    // connections per process at most
  Millis timeout{500};  // connect and each command; past it the call fails as "Redis is down"
};

// What one GraphQL request may ask (/graphql; include/arena/graphql/validate.hpp's RequestLimits).
struct GraphqlSettings {
  int max_depth = 15;                   // fields nested in fields (the introspection query GraphiQL sends: 15)
  int max_aliases = 30;                 // aliased fields
  std::int64_t max_complexity = 5'000;  // fields to resolve, list fields by their page size
};

struct LogSettings {
  std::string level = "info";
  std::string format = "text";
};

struct Settings {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./var";
  std::string database;        // empty: SQLite in data_dir; postgres://... : PostgreSQL
  std::string swagger_ui_dir;  // empty: <binary dir>/../share/arena/swagger-ui (where the build puts it)
  std::string graphiql_dir;    // empty: <binary dir>/../share/arena/graphiql (where the build puts it)
  std::string node_id;         // empty: <hostname>-<random>
  std::string bus = "memory";  // memory | nats://host:port[,nats://...]
  std::string roles = "all";   // all, or a comma list of: auth, gateway, sessions, matchmaker, host, worker, events
  http::Settings http;
  auth::Settings auth;
  gateway::Settings gateway;
  sessions::ChannelSettings channels;
  matchmaking::Settings matchmaking;
  match::HostSettings host;
  jobs::WorkerSettings jobs;
  events::Settings events;
  std::string admin_key;  // admin.api_key: Bearer key of the operators' routes (/v1/admin/...); empty: off
  leaderboards::Settings leaderboards;
  GraphqlSettings graphql;
  PostgresSettings postgres;
  RedisSettings redis;
  LogSettings log;
};

// The roles in `roles` ("all" expands to every role). Throws std::invalid_argument.
std::vector<std::string> parse_roles(std::string_view roles);

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};
// "host:port", "[v6]:port"; throws std::invalid_argument.
Endpoint parse_endpoint(std::string_view text);

}  // namespace arena::config
