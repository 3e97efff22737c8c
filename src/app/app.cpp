#include "arena/app/app.hpp"

#include <unistd.h>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "arena/apidocs/apidocs.hpp"
#include "arena/auth/key_file.hpp"
#include "arena/bus/bus.hpp"
#include "arena/core/error.hpp"
#include "arena/core/log.hpp"
#include "arena/core/random.hpp"
#include "arena/http/server.hpp"
#include "arena/match/runner.hpp"
#include "arena/match/store.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/router/router.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/postgres.hpp"
#include "read_model.hpp"
#include "roles.hpp"

namespace arena::app {
namespace json = boost::json;
namespace {

std::int64_t seconds(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

std::unique_ptr<storage::Sqlite> open_database(const config::Settings& s) {
  std::filesystem::create_directories(s.data_dir);
  auto db = storage::Sqlite::open(std::filesystem::path(s.data_dir) / "arena.db");
  db->checkpoint_in_background();
  return db;
}

}  // namespace

struct App::Impl {
  Impl(config::Settings s, const core::Clock& c) : settings(std::move(s)), clock(c), http_metrics(registry) {}
  // Roles stop in reverse order (the gateway lets go of its connections before the server's
  // io_context, which the WebSockets belong to, is destroyed); the server goes before the roles'
  // objects, since its routes point into them.
  ~Impl() {
    for (auto it = roles.rbegin(); it != roles.rend(); ++it) (*it)->stop();
    // Not drained (a test, a failed start): nothing takes events any more.
    if (event_stream) event_stream->close();
    if (publisher) publisher->stop(std::chrono::milliseconds(0));
    timers.stop();
    revoked_sub.reset();
    server.reset();
    roles.clear();
  }

  bool has(std::string_view role) const {
    return std::find(role_names.begin(), role_names.end(), role) != role_names.end();
  }

  config::Settings settings;
  std::vector<std::string> role_names;
  const core::Clock& clock;
  runtime::Timers timers{clock};
  metrics::Registry registry;
  http::HttpMetrics http_metrics;
  std::unique_ptr<bus::Bus> bus;  // before every module that subscribes, so it is destroyed after them
  std::unique_ptr<router::Router> router_;
  std::unique_ptr<auth::AuthMetrics> auth_metrics;
  std::unique_ptr<storage::Sqlite> db;
  std::unique_ptr<storage::PgPool> pg;
  std::unique_ptr<storage::RedisPool> redis;
  std::unique_ptr<auth::Jwt> jwt;
  std::unique_ptr<auth::TokenVerifier> verifier;
  std::unique_ptr<bus::Subscription> revoked_sub;
  http::Router routes;
  // Game events: declared before the roles, which emit until they are gone.
  events::Catalogue event_types;
  std::unique_ptr<events::Stream> event_stream;
  std::unique_ptr<events::Emitter> emitter;
  std::unique_ptr<events::Publisher> publisher;
  std::unique_ptr<Shared> shared;
  std::vector<std::unique_ptr<Component>> roles;  // in start order
  std::unique_ptr<http::Server> server;

  void start_shared();
  void start_events();
  void add_ops_routes();
};

void App::Impl::add_ops_routes() {
  using http::Method;
  using http::Response;
  routes.add(Method::get, "/healthz", [](http::Request&) { return Response::json(200, R"({"status":"ok"})"); });
  routes.add(Method::get, "/readyz",
             [this](http::Request&) {
               if (server && server->draining()) return Response::error(Code::shutting_down, "server is shutting down");
               std::map<std::string, bool> checks;
               for (const auto& r : roles) r->check(checks);
               if (redis) checks["redis"] = redis->ping();
               json::object body{{"status", "ready"}};
               json::object& out = body["checks"].emplace_object();
               for (const auto& [what, ok] : checks) {
                 if (!ok) return Response::error(Code::not_ready, what + " is unreachable");
                 out[what] = "ok";
               }
               return Response::json(200, json::serialize(body));
             },
             {.runs_on = http::RunsOn::storage});
  // The matchmaker's queues, for tools: asked over the bus, so any process can answer it.
  routes.add(Method::get, "/v1/matchmaking/stats",
             [this](http::Request&) { return Response::json(200, matchmaking_stats(*bus)); },
             {.runs_on = http::RunsOn::storage});
  routes.add(Method::get, "/metrics", [this](http::Request&) {
    return Response::text(200, registry.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  apidocs::add_routes(routes, settings.swagger_ui_dir, settings.graphiql_dir);
}

App::App(config::Settings settings, const core::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(settings), clock)) {}

App::~App() = default;

static std::string default_node_id() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string id;
  for (const char* p = host; *p != '\0'; ++p)
    id.push_back(std::isalnum(static_cast<unsigned char>(*p)) != 0 || *p == '-' || *p == '_' ? *p : '-');
  if (id.empty()) id = "node";
  return id + "-" + core::random_token(3);
}

// What every process has, whatever roles it runs: the bus, token verification (with logins
// revoked anywhere refused here) and, for the roles that keep durable data, the database.
void App::Impl::start_shared() {
  auto& s = settings;
  bus = bus::connect(s.bus, "arena-" + s.node_id, clock);
  router_ = std::make_unique<router::Router>(*bus);

  if (!s.auth.jwt_keys.empty() || has("auth") || has("host")) std::filesystem::create_directories(s.data_dir);
  const std::string ring_spec = s.auth.jwt_keys.empty()
                                    ? auth::load_or_create_key_file(std::filesystem::path(s.data_dir) / "jwt.keys")
                                    : s.auth.jwt_keys;
  auth::KeyRing ring;
  try {
    ring = auth::KeyRing::parse(ring_spec, s.auth.jwt_active_kid);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("setting 'auth.jwt_keys': ") + e.what());
  }
  jwt = std::make_unique<auth::Jwt>(
      std::move(ring),
      auth::JwtOptions{s.auth.issuer, s.auth.audience, seconds(s.auth.access_ttl), seconds(s.auth.clock_skew)});
  auth_metrics = std::make_unique<auth::AuthMetrics>(registry);
  verifier = std::make_unique<auth::TokenVerifier>(*jwt, clock, *auth_metrics);
  revoked_sub = bus->subscribe(protocol::kAuthRevoked, [v = verifier.get()](const bus::Message& m) {
    if (bus::valid_token(m.data)) v->revoke(std::string(m.data));
  });

  // Redis first: a bad URL is refused before any database is touched.
  if (!s.redis.url.empty()) {
    try {
      redis = std::make_unique<storage::RedisPool>(storage::RedisPoolSettings{
          .url = s.redis.url, .size = s.redis.pool_size, .timeout = s.redis.timeout, .wait = s.redis.timeout});
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(std::string("setting 'redis': ") + e.what());
    }
    // Not reachable now is no reason not to start: the users of Redis fall back and /readyz says so.
    if (!redis->ping()) log::get("storage")->warn("msg=\"redis is not answering\" what=\"falling back until it does\"");
  }
  if (!s.database.empty()) {
    // PostgreSQL: every role's durable data (accounts, results, jobs, ratings, boards), shared by
    // every process of the cluster.
    int applied = 0;
    try {
      applied = storage::migrate_up(s.database, storage::postgres_migrations(), clock.now_unix());
    } catch (const storage::PgError& e) {
      throw std::runtime_error(std::string("setting 'database': ") + e.what());
    }
    if (applied > 0) log::get("storage")->info("msg=\"applied migrations\" database=postgres count={}", applied);
    auto& pg_errors = registry.counter("arena_postgres_errors_total",
                                       "PostgreSQL calls that failed, retried or not, by kind: connection, "
                                       "unavailable, conflict (serialization failure or deadlock), query",
                                       {"kind"});
    pg = std::make_unique<storage::PgPool>(
        storage::PgPoolSettings{.url = s.database,
                                .size = s.postgres.pool_size,
                                .wait = s.postgres.wait,
                                .attempts = s.postgres.attempts,
                                .on_error = [&pg_errors](std::string_view kind) { pg_errors.with({kind}).inc(); }});
  } else if (has("auth") || has("host") || has("worker") || has("matchmaker") || has("events")) {
    db = open_database(s);
    const int applied = storage::migrate_up(*db, storage::sqlite_migrations(), clock.now_unix());
    if (applied > 0) log::get("storage")->info("msg=\"applied migrations\" count={}", applied);
  }
  shared = std::make_unique<Shared>(Shared{clock, timers, registry, *bus, *router_, routes, *verifier, *auth_metrics,
                                           db.get(), pg.get(), redis.get()});
  start_events();
  if (redis)
    shared->redis_errors = &registry.counter(
        "arena_redis_errors_total", "Redis calls that failed (Redis down or too slow); the caller fell back", {"use"});
}

// The process's game-event emitter, and with a stream the publisher that feeds it. With
// events.broker = memory the stream is the in-process queue, taken by this process's events role:
// without one, nothing would take it, and the emitter is off. With a NATS or RabbitMQ URL every
// process publishes to the broker, and the events roles of the cluster share its consumer.
void App::Impl::start_events() {
  const auto& s = settings.events;
  const auto games = match::builtin_games();
  for (const auto& name : games.names())
    for (const auto& type : games.find(name)->event_types) event_types.add(type);
  if (s.broker == "memory") {
    if (has("events")) event_stream = std::make_unique<events::MemoryStream>(s.buffer);
  } else {
    const std::string name = "arena-events-" + settings.node_id;
    try {
      if (s.broker.rfind("nats://", 0) == 0)
        event_stream = events::open_nats_stream({.url = s.broker, .client_name = name, .consume = has("events")});
      else
        event_stream = events::open_rabbitmq_stream({.url = s.broker, .client_name = name, .consume = has("events")});
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string("setting 'events.broker': ") + e.what());
    }
  }
  emitter =
      std::make_unique<events::Emitter>(settings.node_id, event_stream ? s.buffer : 0, event_types, clock, registry);
  shared->events = emitter.get();
  shared->event_types = &event_types;
  if (!event_stream) {
    log::get("events")->info(
        "msg=\"game events are not recorded by this process\" why=\"events.broker = {} and no "
        "events role here\"",
        s.broker);
    return;
  }
  publisher = std::make_unique<events::Publisher>(*emitter, *event_stream, events::pipeline_settings(s), registry);
  publisher->start();
  shared->event_stream = event_stream.get();
  shared->event_publisher = publisher.get();
}

void App::start() {
  auto& im = *impl_;
  auto& s = im.settings;
  log::configure({s.log.level, s.log.format});
  metrics::register_process_metrics(im.registry);
  im.role_names = config::parse_roles(s.roles);
  if (s.node_id.empty()) s.node_id = default_node_id();
  if (!im.has("auth") && s.auth.jwt_keys.empty())
    throw std::runtime_error(
        "setting 'auth.jwt_keys' is required when this process does not run the auth role "
        "(it must verify the tokens that the auth role signs)");
  im.start_shared();

  // The roles, in dependency order: each starts after the ones it talks to in this process.
  auto& sh = *im.shared;
  // First, so that it drains last: it writes what the others emitted up to their end.
  if (im.has("events")) im.roles.push_back(events_role(s.events, s.admin_key, sh));
  if (im.has("auth")) im.roles.push_back(auth_role(s.auth, s.http, sh));
  if (im.has("sessions")) im.roles.push_back(sessions_role(s.channels, sh));
  if (im.has("host")) {
    match::HostSettings h = s.host;
    h.node = s.node_id;  // the name its match leases carry
    im.roles.push_back(host_role(std::move(h), sh));
  }
  if (im.has("worker")) {
    jobs::WorkerSettings w = s.jobs;
    w.name = s.node_id;
    im.roles.push_back(worker_role(std::move(w), s.matchmaking, s.leaderboards, s.graphql,
                                   static_cast<std::size_t>(s.http.json_max_depth), s.events.retention, sh));
  }
  if (im.has("matchmaker")) im.roles.push_back(matchmaker_role(s.matchmaking, sh));
  if (im.has("gateway")) {
    gateway::Settings g = s.gateway;
    g.node_id = s.node_id;
    g.json_max_depth = static_cast<std::size_t>(s.http.json_max_depth);
    im.roles.push_back(gateway_role(std::move(g), sh));
  }
  for (auto& r : im.roles) r->start();

  im.add_ops_routes();
  const auto ep = config::parse_endpoint(s.listen);
  http::ServerOptions opts{s.http};
  if (opts.storage_threads == 0 && storage::is_postgres_url(s.database))
    opts.storage_threads = http::kStorageThreadsPostgres;
  opts.host = ep.host;
  opts.port = ep.port;
  im.server = std::make_unique<http::Server>(opts, im.routes, im.http_metrics);
  im.server->start();
}

std::uint16_t App::port() const {
  return impl_->server ? impl_->server->port() : 0;
}

bool App::drain() {
  auto& im = *impl_;
  bool clean = true;
  for (auto it = im.roles.rbegin(); it != im.roles.rend(); ++it)
    clean = (*it)->drain(im.settings.http.shutdown_timeout) && clean;
  // Without an events role here the publisher still sends what the roles emitted (a broker).
  if (im.publisher) clean = im.publisher->stop(im.settings.http.shutdown_timeout) && clean;
  if (im.server) clean = im.server->drain() && clean;
  return clean;
}

bus::Bus& App::bus() {
  return *impl_->bus;
}

runtime::Timers& App::timers() {
  return impl_->timers;
}

const http::Router& App::routes() const {
  return impl_->routes;
}

const std::string& App::node_id() const {
  return impl_->settings.node_id;
}

int serve(const config::Settings& settings) {
  // Block the stop signals before any thread starts, so only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  core::SystemClock clock;
  App app(settings, clock);
  try {
    app.start();
  } catch (const std::exception& e) {
    std::cerr << "arena: " << e.what() << "\n";
    return 1;
  }
  const auto ep = config::parse_endpoint(settings.listen);
  std::string roles;  // as expanded ("all" names every role), so the log says what runs here
  for (const auto& r : config::parse_roles(settings.roles)) roles += (roles.empty() ? "" : ",") + r;
  log::get("app")->info("msg=\"arena serving\" roles={} bus={} node={} listen={}:{} data_dir={}", roles, settings.bus,
                        app.node_id(), ep.host, app.port(), settings.data_dir);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::get("app")->info("msg=\"draining\" signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  const bool clean = app.drain();
  log::get("app")->info("msg=\"stopped\" clean={}", clean);
  return 0;
}

namespace {
void print_status(const std::vector<storage::MigrationState>& states) {
  for (const auto& m : states) {
    std::cout << (m.applied_at ? (m.modified ? "modified" : "applied ") : "pending ") << "  " << m.version << "  "
              << m.name;
    if (m.applied_at) std::cout << "  (applied at " << *m.applied_at << ")";
    std::cout << "\n";
  }
}
}  // namespace

int replay(const config::Settings& settings, const std::string& match_id) {
  std::optional<match::StoredMatch> stored;
  std::string where;
  if (!settings.database.empty()) {
    storage::PgPool pool({.url = settings.database, .size = 1});
    stored = match::PostgresMatchStore(pool).load(match_id);
    where = "PostgreSQL (setting 'database')";
  } else {
    auto db = open_database(settings);
    storage::migrate_up(*db, storage::sqlite_migrations(), core::SystemClock().now_unix());
    stored = match::SqliteMatchStore(*db).load(match_id);
    where = db->path().string();
  }
  if (!stored) {
    std::cerr << "arena: no stored match " << match_id << " in " << where << "\n";
    return 2;
  }
  const auto* rec = &stored->record;
  const auto out = match::replay(*rec, match::builtin_games());
  std::cout << "match " << match_id << " (" << rec->spec.game << ", " << rec->spec.seats.size() << " seats, "
            << rec->inputs.size() << " inputs)\n"
            << "recorded: tick " << rec->ticks << " hash " << rec->final_hash << "\n"
            << "replayed: tick " << out.ticks << " hash " << out.final_hash << ", "
            << (out.same_events ? "the same " : "OTHER ") << rec->events.size() << " events\n"
            << (out.matches ? "verified: the replay ends in the recorded state" : "MISMATCH: the replay ends elsewhere")
            << "\n";
  return out.matches ? 0 : 1;
}

int migrate(const config::Settings& settings, const std::string& action) {
  core::SystemClock clock;
  if (!settings.database.empty()) {
    const auto& all = storage::postgres_migrations();
    if (action == "up") {
      const int n = storage::migrate_up(settings.database, all, clock.now_unix());
      std::cout << "applied " << n << " migration(s) to PostgreSQL; schema is at version "
                << (all.empty() ? 0 : all.back().version) << "\n";
      return 0;
    }
    std::cout << "database: PostgreSQL (setting 'database')\n";
    print_status(storage::migration_status(settings.database, all));
    return 0;
  }
  auto db = open_database(settings);
  const auto& all = storage::sqlite_migrations();
  if (action == "up") {
    const int n = storage::migrate_up(*db, all, clock.now_unix());
    std::cout << "applied " << n << " migration(s); schema is at version " << (all.empty() ? 0 : all.back().version)
              << "\n";
    return 0;
  }
  std::cout << "database: " << db->path().string() << "\n";
  print_status(storage::migration_status(*db, all));
  return 0;
}

}  // namespace arena::app
