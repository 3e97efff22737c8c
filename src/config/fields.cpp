#include "fields.hpp"

#include <cctype>
#include <charconv>
#include <stdexcept>
#include <type_traits>

#include "arena/http/trusted_proxies.hpp"

namespace arena::config::detail {
namespace {

using std::string_view;

std::int64_t to_int(string_view v, const std::string& expected) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || p != v.data() + v.size() || v.empty()) throw std::invalid_argument(expected);
  return n;
}

std::string range_text(std::int64_t min, std::int64_t max) {
  return std::to_string(min) + ".." + std::to_string(max);
}

template <class Ref>
Field int_field(std::string key, std::string help, Ref ref, std::int64_t min, std::int64_t max) {
  return {std::move(key), std::move(help), false,
          [=](Settings& s, string_view v) {
            using T = std::remove_reference_t<decltype(ref(s))>;
            ref(s) = static_cast<T>(parse_int(v, min, max));
          },
          [=](const Settings& s) { return std::to_string(ref(s)); }};
}
template <class Ref>
Field size_field(std::string key, std::string help, Ref ref, std::size_t min, std::size_t max) {
  return {std::move(key), std::move(help), false, [=](Settings& s, string_view v) { ref(s) = parse_size(v, min, max); },
          [=](const Settings& s) { return std::to_string(ref(s)); }};
}
template <class Ref>
Field duration_field(std::string key, std::string help, Ref ref, Millis min, Millis max) {
  return {std::move(key), std::move(help), false,
          [=](Settings& s, string_view v) { ref(s) = parse_duration(v, min, max); },
          [=](const Settings& s) { return format_duration(ref(s)); }};
}
template <class Ref>
Field bool_field(std::string key, std::string help, Ref ref) {
  return {std::move(key), std::move(help), false, [=](Settings& s, string_view v) { ref(s) = parse_bool(v); },
          [=](const Settings& s) { return std::string(ref(s) ? "true" : "false"); }};
}
template <class Ref, class Check>
Field string_field(std::string key, std::string help, Ref ref, Check check, bool secret = false) {
  return {std::move(key), std::move(help), secret,
          [=](Settings& s, string_view v) {
            check(v);
            ref(s) = std::string(v);
          },
          [=](const Settings& s) { return ref(s); }};
}

void non_empty(string_view v) {
  if (v.empty()) throw std::invalid_argument("expected a non-empty string");
}
auto one_of(std::vector<std::string> allowed) {
  return [allowed](string_view v) {
    for (const auto& a : allowed)
      if (a == v) return;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw std::invalid_argument("expected one of: " + list);
  };
}
void any(string_view) {}

std::vector<Field> build() {
  using namespace std::chrono_literals;
  const Millis max_dur = std::chrono::duration_cast<Millis>(std::chrono::hours(24 * 3650));
  std::vector<Field> f;
  f.push_back(string_field(
      "listen", "Address the HTTP/WebSocket edge listens on (host:port; port 0 picks a free port)",
      [](auto& s) -> auto& { return s.listen; }, [](string_view v) { parse_endpoint(v); }));
  f.push_back(string_field(
      "data_dir", "Directory for the SQLite database and generated keys", [](auto& s) -> auto& { return s.data_dir; },
      non_empty));
  f.push_back(string_field(
      "swagger_ui_dir",
      "Directory of the Swagger UI files served at /api-docs; empty = <arena binary's dir>/../share/arena/swagger-ui, "
      "where the build puts them",
      [](auto& s) -> auto& { return s.swagger_ui_dir; }, any));
  f.push_back(string_field(
      "graphiql_dir",
      "Directory of GraphiQL's files (the page at GET /graphql loads them from /graphiql/); empty = <arena binary's "
      "dir>/../share/arena/graphiql, where the build puts them",
      [](auto& s) -> auto& { return s.graphiql_dir; }, any));
  f.push_back(string_field(
      "database",
      "Durable store: empty = SQLite in data_dir (embedded); postgres://user:pass@host:port/db = PostgreSQL "
      "(cluster mode; libpq URL parameters allowed)",
      [](auto& s) -> auto& { return s.database; },
      [](string_view v) {
        if (!v.empty() && v.rfind("postgres://", 0) != 0 && v.rfind("postgresql://", 0) != 0)
          throw std::invalid_argument("expected empty (SQLite) or a postgres:// URL");
      },
      /*secret=*/true));
  f.push_back(int_field(
      "postgres.pool_size", "PostgreSQL connections per process at most",
      [](auto& s) -> auto& { return s.postgres.pool_size; }, 1, 1000));
  f.push_back(duration_field(
      "postgres.wait", "Wait this long for a free PostgreSQL connection, then answer 503 unavailable",
      [](auto& s) -> auto& { return s.postgres.wait; }, 1ms, 60s));
  f.push_back(int_field(
      "postgres.attempts",
      "Tries of a PostgreSQL transaction that fails with a serialization failure, deadlock or dropped connection",
      [](auto& s) -> auto& { return s.postgres.attempts; }, 1, 20));
  f.push_back(string_field(
      "redis",
      "Shared state of a cluster: empty = none (each process keeps its own rate limits); "
      "redis://[:password@]host:port[/db] = every process shares them through Redis",
      [](auto& s) -> auto& { return s.redis.url; },
      [](string_view v) {  // the rest of the URL is checked when the process connects
        if (!v.empty() && v.rfind("redis://", 0) != 0) throw std::invalid_argument("expected empty or a redis:// URL");
      },
      /*secret=*/true));
  f.push_back(int_field(
      "redis.pool_size", "Redis connections per process at most", [](auto& s) -> auto& { return s.redis.pool_size; }, 1,
      1000));
  f.push_back(duration_field(
      "redis.timeout", "Connecting to Redis and each command may take this long, then the call fails (and falls back)",
      [](auto& s) -> auto& { return s.redis.timeout; }, 1ms, 60s));

  f.push_back(string_field(
      "node_id", "This process's id in a cluster (letters, digits, - _ :); empty = <host>-<random>",
      [](auto& s) -> auto& { return s.node_id; },
      [](string_view v) {
        for (char c : v)
          if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != ':')
            throw std::invalid_argument("expected letters, digits, '-', '_' or ':'");
      }));
  f.push_back(string_field(
      "bus", "Event bus: memory (embedded) or nats://host:port[,nats://host:port...]",
      [](auto& s) -> auto& { return s.bus; },
      [](string_view v) {
        if (v != "memory" && v.rfind("nats://", 0) != 0)
          throw std::invalid_argument("expected memory or a nats:// URL");
      }));
  f.push_back(string_field(
      "roles",
      "Roles this process runs: all, or a comma list of auth, gateway, sessions, matchmaker, host, worker, events",
      [](auto& s) -> auto& { return s.roles; }, [](string_view v) { parse_roles(v); }));
  f.push_back(size_field(
      "http.max_header_bytes", "Largest request header block accepted (bytes; KiB/MiB suffixes)",
      [](auto& s) -> auto& { return s.http.max_header_bytes; }, 1024, 1 << 20));
  f.push_back(size_field(
      "http.max_body_bytes", "Largest request body accepted (bytes; KiB/MiB suffixes)",
      [](auto& s) -> auto& { return s.http.max_body_bytes; }, 64, 64 << 20));
  f.push_back(duration_field(
      "http.idle_timeout", "Close a connection idle (or sending a request) this long",
      [](auto& s) -> auto& { return s.http.idle_timeout; }, 100ms, max_dur));
  f.push_back(duration_field(
      "http.shutdown_timeout", "On SIGTERM, wait this long for in-flight requests",
      [](auto& s) -> auto& { return s.http.shutdown_timeout; }, 0ms, max_dur));
  f.push_back(int_field(
      "http.threads", "I/O threads (0 = one per core; handlers that wait for storage run on http.storage_threads)",
      [](auto& s) -> auto& { return s.http.threads; }, 0, 256));
  f.push_back(int_field(
      "http.blocking_threads", "Threads for slow work such as password hashing",
      [](auto& s) -> auto& { return s.http.blocking_threads; }, 1, 256));
  f.push_back(int_field(
      "http.storage_threads",
      "Threads for handlers that wait for storage (logins, accounts), off the I/O threads (0 = 4 on SQLite, 32 on "
      "PostgreSQL)",
      [](auto& s) -> auto& { return s.http.storage_threads; }, 0, 256));
  f.push_back(bool_field(
      "http.access_log", "Log one line per HTTP request", [](auto& s) -> auto& { return s.http.access_log; }));
  f.push_back(int_field(
      "http.json_max_depth", "Deepest JSON nesting accepted in a request",
      [](auto& s) -> auto& { return s.http.json_max_depth; }, 1, 1000));
  f.push_back(int_field(
      "http.max_connections_per_ip",
      "Open connections (HTTP and WebSocket) one client IP may hold; more are refused with 429 (0 = no limit)",
      [](auto& s) -> auto& { return s.http.max_connections_per_ip; }, 0, 10'000'000));
  f.push_back(string_field(
      "http.trusted_proxies",
      "Reverse proxies (addresses and CIDR networks, comma-separated) whose X-Forwarded-For names the client for "
      "the per-address limits; their own connections are not counted per address. Empty = none",
      [](auto& s) -> auto& { return s.http.trusted_proxies; },
      [](string_view v) { (void)http::TrustedProxies::parse(v); }));

  f.push_back(string_field(
      "auth.issuer", "JWT `iss` claim issued and required", [](auto& s) -> auto& { return s.auth.issuer; }, non_empty));
  f.push_back(string_field(
      "auth.audience", "JWT `aud` claim issued and required", [](auto& s) -> auto& { return s.auth.audience; },
      non_empty));
  f.push_back(duration_field(
      "auth.access_ttl", "Lifetime of an access token", [](auto& s) -> auto& { return s.auth.access_ttl; }, 1s,
      7 * 24h));
  f.push_back(duration_field(
      "auth.refresh_ttl", "Lifetime of a refresh token (each rotation starts a new one)",
      [](auto& s) -> auto& { return s.auth.refresh_ttl; }, 1min, max_dur));
  f.push_back(duration_field(
      "auth.clock_skew", "Leeway when checking token expiry", [](auto& s) -> auto& { return s.auth.clock_skew; }, 0ms,
      5min));
  f.push_back(string_field(
      "auth.jwt_keys",
      "JWT signing key ring `kid:secret,...` (secret base64url, >= 32 bytes); empty = generate into data_dir",
      [](auto& s) -> auto& { return s.auth.jwt_keys; }, any, true));
  f.push_back(string_field(
      "auth.jwt_active_kid", "Key id that signs new tokens (empty = first key of the ring)",
      [](auto& s) -> auto& { return s.auth.jwt_active_kid; }, any));
  f.push_back(int_field(
      "auth.argon2_opslimit", "argon2id passes for password hashing",
      [](auto& s) -> auto& { return s.auth.argon2_opslimit; }, 1, 100));
  f.push_back(size_field(
      "auth.argon2_memlimit", "argon2id memory per hash (bytes; KiB/MiB suffixes)",
      [](auto& s) -> auto& { return s.auth.argon2_memlimit; }, std::size_t{8} * 1024, std::size_t{4} << 30));
  f.push_back(int_field(
      "auth.ip_burst", "Login/register attempts an IP may make at once",
      [](auto& s) -> auto& { return s.auth.ip_burst; }, 1, 1'000'000));
  f.push_back(int_field(
      "auth.ip_per_minute", "Login/register attempts an IP regains per minute",
      [](auto& s) -> auto& { return s.auth.ip_per_minute; }, 1, 1'000'000));
  f.push_back(int_field(
      "auth.account_burst", "Login attempts one account may receive at once",
      [](auto& s) -> auto& { return s.auth.account_burst; }, 1, 1'000'000));
  f.push_back(int_field(
      "auth.account_per_minute", "Login attempts one account regains per minute",
      [](auto& s) -> auto& { return s.auth.account_per_minute; }, 1, 1'000'000));

  f.push_back(size_field(
      "gateway.max_frame_bytes", "Largest WebSocket message accepted (bigger: closed with 1009)",
      [](auto& s) -> auto& { return s.gateway.max_frame_bytes; }, 256, std::size_t{16} << 20));
  f.push_back(int_field(
      "gateway.messages_per_second", "Client messages a connection regains per second",
      [](auto& s) -> auto& { return s.gateway.messages_per_second; }, 1, 1'000'000));
  f.push_back(int_field(
      "gateway.message_burst", "Client messages a connection may send at once",
      [](auto& s) -> auto& { return s.gateway.message_burst; }, 1, 1'000'000));
  f.push_back(int_field(
      "gateway.send_queue_messages", "Frames queued for one slow client before it is dropped (4008)",
      [](auto& s) -> auto& { return s.gateway.send_queue_messages; }, 1, 1'000'000));
  f.push_back(size_field(
      "gateway.send_queue_bytes", "Bytes queued for one slow client before it is dropped (4008)",
      [](auto& s) -> auto& { return s.gateway.send_queue_bytes; }, 1024, std::size_t{1} << 30));
  f.push_back(duration_field(
      "gateway.idle_timeout", "Ping a quiet connection at half this, close it at this",
      [](auto& s) -> auto& { return s.gateway.idle_timeout; }, 1s, 1h));
  f.push_back(duration_field(
      "gateway.resume_window", "How long a dropped session can be resumed (0 = never)",
      [](auto& s) -> auto& { return s.gateway.resume_window; }, 0ms, 1h));
  f.push_back(int_field(
      "gateway.resume_buffer", "Pushes kept per session for resume",
      [](auto& s) -> auto& { return s.gateway.resume_buffer; }, 0, 1'000'000));
  f.push_back(bool_field(
      "gateway.move_sessions",
      "With redis and a NATS bus: mirror sessions to Redis and keep routed pushes in a JetStream stream "
      "(nats-server -js), so a player resumes on another gateway with every push it missed",
      [](auto& s) -> auto& { return s.gateway.move_sessions; }));
  f.push_back(size_field(
      "gateway.history_max_bytes",
      "Memory the JetStream stream of routed pushes may hold (the oldest go first; kept for the resume window)",
      [](auto& s) -> auto& { return s.gateway.history_max_bytes; }, std::size_t{1} << 20, std::size_t{1} << 36));
  f.push_back({"gateway.second_connection",
               "A user's second connection: allow (both live) or replace (the older is closed, 4002)", false,
               [](Settings& s, string_view v) {
                 one_of({"allow", "replace"})(v);
                 s.gateway.second_connection =
                     v == "replace" ? gateway::SecondConnection::replace : gateway::SecondConnection::allow;
               },
               [](const Settings& s) {
                 return std::string(s.gateway.second_connection == gateway::SecondConnection::replace ? "replace"
                                                                                                      : "allow");
               }});
  f.push_back(int_field(
      "gateway.max_channels", "Channels one session may be in", [](auto& s) -> auto& { return s.gateway.max_channels; },
      1, 100'000));
  f.push_back(int_field(
      "gateway.max_body_chars", "Longest chat or DM body, in characters",
      [](auto& s) -> auto& { return s.gateway.max_body_chars; }, 1, 65'536));
  f.push_back(duration_field(
      "gateway.write_delay",
      "Hold a connection's outgoing messages this long so the ones that come meanwhile go in one write: fewer "
      "syscalls for busy sockets (high fan-out), at up to this much latency; 0 writes at once",
      [](auto& s) -> auto& { return s.gateway.write_delay; }, 0ms, 250ms));
  f.push_back(duration_field(
      "gateway.close_timeout",
      "A closing connection (slow consumer 4008, policy, drain) is dropped if its close frame has not gone out and "
      "been answered by then",
      [](auto& s) -> auto& { return s.gateway.close_timeout; }, 100ms, 1min));
  f.push_back(int_field(
      "gateway.max_sessions_per_user",
      "Sessions (connected or resumable) one user may hold on a gateway; a new one past it evicts the oldest "
      "resumable one, or is refused with 429 too_many_sessions",
      [](auto& s) -> auto& { return s.gateway.max_sessions_per_user; }, 1, 10'000));
  f.push_back(int_field(
      "gateway.upgrades_per_ip_burst", "WebSocket connections one IP may open at once (then 429 too_many_upgrades)",
      [](auto& s) -> auto& { return s.gateway.upgrades_per_ip_burst; }, 1, 10'000'000));
  f.push_back(int_field(
      "gateway.upgrades_per_ip_per_minute", "WebSocket connections one IP regains per minute",
      [](auto& s) -> auto& { return s.gateway.upgrades_per_ip_per_minute; }, 1, 100'000'000));
  f.push_back(int_field(
      "channels.max_members", "Members one channel may have", [](auto& s) -> auto& { return s.channels.max_members; },
      1, 10'000'000));
  f.push_back(duration_field(
      "matchmaking.interval", "How often the matchmaker forms matches",
      [](auto& s) -> auto& { return s.matchmaking.interval; }, 10ms, 60s));
  f.push_back(duration_field(
      "matchmaking.invite_ttl", "How long a party invite stays open",
      [](auto& s) -> auto& { return s.matchmaking.invite_ttl; }, 1s, 24h));
  f.push_back(int_field(
      "matchmaking.max_party_size", "Most players in one party (each mode may allow fewer)",
      [](auto& s) -> auto& { return s.matchmaking.max_party_size; }, 1, 64));
  f.push_back(int_field(
      "matchmaking.invites_per_minute", "Party invites one user may send per minute (and at once)",
      [](auto& s) -> auto& { return s.matchmaking.invites_per_minute; }, 1, 100'000));
  f.push_back(int_field(
      "matchmaking.max_open_invites", "Open party invites one user may hold (more: too_many_invites)",
      [](auto& s) -> auto& { return s.matchmaking.max_open_invites; }, 1, 10'000));
  f.push_back(duration_field(
      "matchmaking.match_hold", "A matched player cannot queue again until match.ended, or this long",
      [](auto& s) -> auto& { return s.matchmaking.match_hold; }, 1s, 24h));
  f.push_back(int_field(
      "matchmaking.default_rating",
      "Rating matchmaking gives a player not rated yet in a mode (a fresh rating shows as 800)",
      [](auto& s) -> auto& { return s.matchmaking.default_rating; }, 0, 10'000));
  f.push_back(bool_field(
      "matchmaking.builtin_modes",
      "Run the built-in modes (duel, squads, teams, ffa, practice, four, tag) beside the [matchmaking.modes.*] tables",
      [](auto& s) -> auto& { return s.matchmaking.builtin_modes; }));
  f.push_back(string_field(
      "host.bot_policy",
      "host:port of a gRPC bot policy service (proto/arena/bot/v1/policy.proto); empty: rule-based bots",
      [](auto& s) -> auto& { return s.host.bot_policy; },
      [](string_view v) {
        if (!v.empty()) parse_endpoint(v);  // host:port
      }));
  f.push_back(duration_field(
      "host.bot_policy_deadline", "How long a bot waits for the policy before the rule-based bot decides",
      [](auto& s) -> auto& { return s.host.bot_policy_deadline; }, 1ms, 10s));
  f.push_back(int_field(
      "host.threads", "Threads that tick the matches of this host", [](auto& s) -> auto& { return s.host.threads; }, 1,
      256));
  f.push_back(int_field(
      "host.max_watchers", "Spectators one match takes (match.watch)",
      [](auto& s) -> auto& { return s.host.max_watchers; }, 0, 100'000));
  f.push_back(duration_field(
      "host.checkpoint_interval",
      "How often a host checkpoints its matches and renews their leases (failover); 0: no checkpoints",
      [](auto& s) -> auto& { return s.host.checkpoint_interval; }, 0ms, 60s));
  f.push_back(duration_field(
      "host.lease",
      "A match whose host stops renewing its lease this long is adopted by another host (at least twice "
      "host.checkpoint_interval)",
      [](auto& s) -> auto& { return s.host.lease; }, 100ms, 10min));
  f.push_back(duration_field(
      "host.rejoin_grace",
      "A player offline when a host adopts their match has this long to come back before leaving it (0 = at once)",
      [](auto& s) -> auto& { return s.host.rejoin_grace; }, 0ms, 10min));
  f.push_back(string_field(
      "admin.api_key",
      "Bearer key of the operators' routes (/v1/admin/...); empty = those routes are off, or >= 32 characters",
      [](auto& s) -> auto& { return s.admin_key; },
      [](string_view v) {
        if (!v.empty() && v.size() < 32) throw std::invalid_argument("expected at least 32 characters (or empty)");
      },
      true));
  f.push_back(string_field(
      "events.broker",
      "Where game events travel to the events role: memory (the in-process queue, embedded), "
      "nats://host:port[,nats://...] (NATS JetStream: nats-server -js) or amqp://user:password@host:port[/vhost] "
      "(RabbitMQ; rabbitmq:// is the same)",
      [](auto& s) -> auto& { return s.events.broker; },
      [](string_view v) {
        if (v != "memory" && v.rfind("nats://", 0) != 0 && v.rfind("amqp://", 0) != 0 && v.rfind("rabbitmq://", 0) != 0)
          throw std::invalid_argument("expected memory, a nats:// URL or an amqp:// URL");
      },
      /*secret=*/true));  // an amqp:// URL carries a password
  f.push_back(int_field(
      "events.buffer", "Game events a process holds for publishing; past it droppable ones are dropped and counted",
      [](auto& s) -> auto& { return s.events.buffer; }, 16, 10'000'000));
  f.push_back(int_field(
      "events.batch_size", "Game events the events role writes in one transaction at most",
      [](auto& s) -> auto& { return s.events.batch_size; }, 1, 100'000));
  f.push_back(duration_field(
      "events.batch_timeout", "How long the events role waits to fill a batch",
      [](auto& s) -> auto& { return s.events.batch_timeout; }, 1ms, 60s));
  f.push_back(int_field(
      "events.writers",
      "Batches the events role writes at once, each on its own database connection (SQLite writes them one after "
      "another)",
      [](auto& s) -> auto& { return s.events.writers; }, 1, 16));
  f.push_back(size_field(
      "events.max_data_bytes", "An event's data (serialised JSON) at most; larger ones are dead-lettered",
      [](auto& s) -> auto& { return s.events.max_data_bytes; }, 64, 1'000'000));
  f.push_back(duration_field(
      "events.retention",
      "Game events and dead letters older than this are deleted by the daily job events.prune (0: kept for ever; "
      "the hourly roll-ups are kept)",
      [](auto& s) -> auto& { return s.events.retention; }, 0ms, std::chrono::hours(24 * 3650)));
  f.push_back(duration_field(
      "jobs.lease", "A job whose worker stops heartbeating is rescued after this (heartbeats every third of it)",
      [](auto& s) -> auto& { return s.jobs.lease; }, 100ms, 1h));
  f.push_back(duration_field(
      "jobs.poll_interval", "How often a worker looks for ready jobs", [](auto& s) -> auto& { return s.jobs.poll; },
      1ms, 1min));
  f.push_back({"jobs.queues", "Queues this worker runs and how many jobs of each at once (queue=n,...)", false,
               [](Settings& s, string_view v) { s.jobs.queues = jobs::parse_queues(v); },
               [](const Settings& s) { return jobs::format_queues(s.jobs.queues); }});
  f.push_back(int_field(
      "jobs.threads", "Threads that run job handlers in this worker", [](auto& s) -> auto& { return s.jobs.threads; },
      1, 256));
  f.push_back(int_field(
      "jobs.committers", "Group commits of finished jobs running side by side (0: 1 on SQLite, 4 on PostgreSQL)",
      [](auto& s) -> auto& { return s.jobs.committers; }, 0, 64));
  f.push_back(int_field(
      "jobs.group_size",
      "Most finished jobs one group commit takes (0: 512 on SQLite, 32 on PostgreSQL); larger "
      "groups complete more jobs a second and hold the database longer per commit",
      [](auto& s) -> auto& { return s.jobs.group_size; }, 0, 100'000));
  f.push_back(duration_field(
      "jobs.retention", "Completed and cancelled jobs are pruned after this (an hourly job)",
      [](auto& s) -> auto& { return s.jobs.retention; }, 1min, max_dur));
  f.push_back(int_field(
      "jobs.backoff_base_ms", "A failed job's first retry waits up to this; each next one up to twice as long",
      [](auto& s) -> auto& { return s.jobs.backoff.base_ms; }, 1, 3'600'000));
  f.push_back(int_field(
      "jobs.backoff_cap_ms", "The longest a failed job waits before its retry",
      [](auto& s) -> auto& { return s.jobs.backoff.cap_ms; }, 1, 7LL * 24 * 3'600'000));
  f.push_back(int_field(
      "graphql.max_depth", "Fields nested in fields a GraphQL request may ask for (through fragments)",
      [](auto& s) -> auto& { return s.graphql.max_depth; }, 1, 100));
  f.push_back(int_field(
      "graphql.max_aliases", "Aliased fields a GraphQL request may hold (through fragments)",
      [](auto& s) -> auto& { return s.graphql.max_aliases; }, 0, 10'000));
  f.push_back(int_field(
      "graphql.max_complexity",
      "Fields a GraphQL request may resolve, a list field counted by its page size (first/limit, default 20)",
      [](auto& s) -> auto& { return s.graphql.max_complexity; }, 1, 1'000'000'000));
  f.push_back(int_field(
      "leaderboards.rank_index_entries",
      "Board entries the in-memory rank index may hold (exact ranks in O(log n)); past it ranks are counted",
      [](auto& s) -> auto& { return s.leaderboards.rank_index_entries; }, 0, 1'000'000'000));
  f.push_back(string_field(
      "leaderboards.server_key",
      "Bearer key for server calls that write scores (POST /v1/leaderboards/{board}/scores); empty = off, or >= 32 "
      "characters",
      [](auto& s) -> auto& { return s.leaderboards.server_key; },
      [](string_view v) {
        if (!v.empty() && v.size() < 32) throw std::invalid_argument("expected at least 32 characters (or empty)");
      },
      true));
  f.push_back(string_field(
      "log.level", "trace, debug, info, warn, error or off", [](auto& s) -> auto& { return s.log.level; },
      one_of({"trace", "debug", "info", "warn", "error", "off"})));
  f.push_back(string_field(
      "log.format", "text or json", [](auto& s) -> auto& { return s.log.format; }, one_of({"text", "json"})));
  return f;
}

}  // namespace

const std::vector<Field>& fields() {
  static const std::vector<Field> table = build();
  return table;
}

const Field* find_field(std::string_view key) {
  for (const auto& f : fields())
    if (f.key == key) return &f;
  return nullptr;
}

std::string env_name(std::string_view key) {
  std::string out = "ARENA_";
  for (char c : key) out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

std::string flag_name(std::string_view key) {
  std::string out = "--";
  for (char c : key) out.push_back(c == '.' || c == '_' ? '-' : c);
  return out;
}

std::int64_t parse_int(std::string_view v, std::int64_t min, std::int64_t max) {
  const std::string expected = "expected an integer in " + range_text(min, max);
  const std::int64_t n = to_int(v, expected);
  if (n < min || n > max) throw std::invalid_argument(expected);
  return n;
}

std::size_t parse_size(std::string_view v, std::size_t min, std::size_t max) {
  const std::string expected = "expected a size in bytes (suffix KiB/MiB/GiB allowed) from " + std::to_string(min) +
                               " to " + std::to_string(max);
  std::uint64_t mult = 1;
  auto strip = [&](std::string_view suffix, std::uint64_t m) {
    if (v.size() > suffix.size() && v.substr(v.size() - suffix.size()) == suffix) {
      v.remove_suffix(suffix.size());
      mult = m;
      return true;
    }
    return false;
  };
  strip("KiB", 1024) || strip("MiB", std::uint64_t{1024} * 1024) || strip("GiB", 1024ULL * 1024 * 1024);
  const std::int64_t n = to_int(v, expected);
  if (n < 0 || static_cast<std::uint64_t>(n) > max / mult) throw std::invalid_argument(expected);
  const std::size_t bytes = static_cast<std::size_t>(n) * mult;
  if (bytes < min) throw std::invalid_argument(expected);
  return bytes;
}

Millis parse_duration(std::string_view v, Millis min, Millis max) {
  const std::string expected = "expected a duration like 500ms, 30s, 15m, 12h or 30d between " + format_duration(min) +
                               " and " + format_duration(max);
  std::int64_t unit_ms = 0;
  std::size_t digits = v.size();
  if (v == "0") unit_ms = 1;  // zero needs no unit ("0 = never" in the help of several settings)
  for (auto [suffix, ms] : {std::pair<std::string_view, std::int64_t>{"ms", 1},
                            {"s", 1000},
                            {"m", 60'000},
                            {"h", 3'600'000},
                            {"d", 86'400'000}}) {
    if (v.size() > suffix.size() && v.substr(v.size() - suffix.size()) == suffix) {
      const char before = v[v.size() - suffix.size() - 1];
      if (before >= '0' && before <= '9') {
        unit_ms = ms;
        digits = v.size() - suffix.size();
        break;
      }
    }
  }
  if (unit_ms == 0) throw std::invalid_argument(expected);
  const std::int64_t n = to_int(v.substr(0, digits), expected);
  if (n < 0 || n > max.count() / unit_ms) throw std::invalid_argument(expected);
  const Millis d{n * unit_ms};
  if (d < min || d > max) throw std::invalid_argument(expected);
  return d;
}

bool parse_bool(std::string_view v) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  throw std::invalid_argument("expected true or false");
}

std::string format_duration(Millis d) {
  const auto ms = d.count();
  for (auto [suffix, unit] :
       {std::pair<const char*, std::int64_t>{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}}) {
    if (ms != 0 && ms % unit == 0) return std::to_string(ms / unit) + suffix;
  }
  return std::to_string(ms) + "ms";
}

}  // namespace arena::config::detail
