#include "arena/app/app.hpp"

#include <unistd.h>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "arena/auth/key_file.hpp"
#include "arena/auth/routes.hpp"
#include "arena/auth/sqlite_store.hpp"
#include "arena/botpolicy/grpc_brain.hpp"
#include "arena/bus/bus.hpp"
#include "arena/bus/payload.hpp"
#include "arena/core/error.hpp"
#include "arena/core/log.hpp"
#include "arena/core/random.hpp"
#include "arena/gateway/gateway.hpp"
#include "arena/http/server.hpp"
#include "arena/match/host.hpp"
#include "arena/match/runner.hpp"
#include "arena/match/store.hpp"
#include "arena/matchmaking/mode.hpp"
#include "arena/matchmaking/service.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/router/router.hpp"
#include "arena/sessions/channel_service.hpp"
#include "arena/sessions/presence_service.hpp"
#include "arena/storage/migrations.hpp"

namespace arena::app {
namespace json = boost::json;
namespace {

std::int64_t seconds(config::Millis d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

std::unique_ptr<storage::Sqlite> open_database(const config::Settings& s) {
  std::filesystem::create_directories(s.data_dir);
  return storage::Sqlite::open(std::filesystem::path(s.data_dir) / "arena.db");
}

}  // namespace

struct App::Impl {
  Impl(config::Settings s, const core::Clock& c) : settings(std::move(s)), clock(c), http_metrics(registry) {}
  // The gateway lets go of its connections before the server's io_context (which the
  // WebSockets belong to) is destroyed; then the rest in reverse order of declaration.
  ~Impl() {
    host.reset();         // its scheduler publishes through the bus
    matchmaker.reset();   // its ticker publishes through the bus
    revoked_sub.reset();  // it reaches into the gateway
    exists_sub.reset();   // it reaches into the auth store
    gateway.reset();
    server.reset();
  }

  bool has(std::string_view role) const { return std::find(roles.begin(), roles.end(), role) != roles.end(); }

  config::Settings settings;
  std::vector<std::string> roles;
  const core::Clock& clock;
  metrics::Registry registry;
  http::HttpMetrics http_metrics;
  std::unique_ptr<bus::Bus> bus;  // before every module that subscribes, so it is destroyed after them
  std::unique_ptr<router::Router> router_;
  std::unique_ptr<auth::AuthMetrics> auth_metrics;
  std::unique_ptr<storage::Sqlite> db;
  std::unique_ptr<auth::SqliteAuthStore> auth_store;
  std::unique_ptr<auth::Jwt> jwt;
  std::unique_ptr<auth::PasswordHasher> hasher;
  std::unique_ptr<core::MemoryRateLimiter> limiter;
  std::unique_ptr<auth::TokenVerifier> verifier;
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<bus::Subscription> revoked_sub;
  std::unique_ptr<bus::Subscription> exists_sub;  // auth.accounts.exist, answered by the auth role
  std::unique_ptr<sessions::PresenceService> presence;
  std::unique_ptr<sessions::ChannelService> channels;
  std::unique_ptr<matchmaking::RatingSource> ratings;
  std::unique_ptr<matchmaking::MatchmakerService> matchmaker;
  std::unique_ptr<botpolicy::PolicyClient> policy;  // before the host, which uses it
  std::unique_ptr<match::SqliteMatchStore> match_store;
  std::unique_ptr<match::MatchHost> host;
  std::unique_ptr<gateway::Gateway> gateway;
  http::Router router;
  std::unique_ptr<http::Server> server;

  void add_ops_routes();
};

void App::Impl::add_ops_routes() {
  using http::Method;
  using http::Response;
  router.add(Method::get, "/healthz", [](http::Request&) { return Response::json(200, R"({"status":"ok"})"); });
  router.add(Method::get, "/readyz", [this](http::Request&) {
    if (server && server->draining()) return Response::error(Code::shutting_down, "server is shutting down");
    bool storage_ok = true;
    if (auth_store) {
      try {
        storage_ok = auth_store->ping();
      } catch (const std::exception& e) {
        storage_ok = false;
        log::get("app")->warn("msg=\"readiness check failed\" error=\"{}\"", e.what());
      }
    }
    if (!storage_ok) return Response::error(Code::not_ready, "storage is unreachable");
    return Response::json(
        200, auth_store ? R"({"status":"ready","checks":{"storage":"ok"}})" : R"({"status":"ready","checks":{}})");
  });
  // The matchmaker's queues, for tools: asked over the bus, so any process can answer it.
  router.add(Method::get, "/v1/matchmaking/stats",
             [this](http::Request&) {
               auto r = bus->request_sync(protocol::kMatchmakerStats, "{}", std::chrono::seconds(2));
               if (r.error != bus::RequestError::none)
                 return Response::error(Code::unavailable, "no matchmaker answered; is the matchmaker role running?");
               return Response::json(200, r.data);
             },
             {.runs_on = http::RunsOn::storage});
  router.add(Method::get, "/metrics", [this](http::Request&) {
    return Response::text(200, registry.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

App::App(config::Settings settings, const core::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(settings), clock)) {}

App::~App() = default;

// Every mode must name a game the match host knows, with a seat count that game can seat.
static void check_games(const std::vector<matchmaking::ModeConfig>& modes, const match::GameRegistry& games) {
  for (const auto& m : modes) {
    const auto* g = games.find(m.game);
    if (g == nullptr)
      throw std::invalid_argument("setting 'matchmaking.modes." + m.name + ".game': no game named '" + m.game + "'");
    if (m.seat_count() > g->max_players)
      throw std::invalid_argument("matchmaking mode '" + m.name + "': " + std::to_string(m.seat_count()) +
                                  " seats, but " + m.game + " seats at most " + std::to_string(g->max_players));
  }
}

static std::string default_node_id() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string id;
  for (const char* p = host; *p != '\0'; ++p)
    id.push_back(std::isalnum(static_cast<unsigned char>(*p)) != 0 || *p == '-' || *p == '_' ? *p : '-');
  if (id.empty()) id = "node";
  return id + "-" + core::random_token(3);
}

void App::start() {
  auto& im = *impl_;
  auto& s = im.settings;
  log::configure({s.log.level, s.log.format});
  metrics::register_process_metrics(im.registry);
  im.roles = config::parse_roles(s.roles);
  if (s.node_id.empty()) s.node_id = default_node_id();
  if (!im.has("auth") && s.auth.jwt_keys.empty())
    throw std::runtime_error(
        "setting 'auth.jwt_keys' is required when this process does not run the auth role "
        "(it must verify the tokens that the auth role signs)");

  im.bus = bus::connect(s.bus, "arena-" + s.node_id);
  im.router_ = std::make_unique<router::Router>(*im.bus);

  if (!s.auth.jwt_keys.empty() || im.has("auth") || im.has("host")) std::filesystem::create_directories(s.data_dir);
  const std::string ring_spec = s.auth.jwt_keys.empty()
                                    ? auth::load_or_create_key_file(std::filesystem::path(s.data_dir) / "jwt.keys")
                                    : s.auth.jwt_keys;
  auth::KeyRing ring;
  try {
    ring = auth::KeyRing::parse(ring_spec, s.auth.jwt_active_kid);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("setting 'auth.jwt_keys': ") + e.what());
  }
  im.jwt = std::make_unique<auth::Jwt>(
      std::move(ring),
      auth::JwtOptions{s.auth.issuer, s.auth.audience, seconds(s.auth.access_ttl), seconds(s.auth.clock_skew)});
  im.auth_metrics = std::make_unique<auth::AuthMetrics>(im.registry);
  im.verifier = std::make_unique<auth::TokenVerifier>(*im.jwt, im.clock, *im.auth_metrics);
  // Logins ended anywhere in the cluster are refused everywhere.
  im.revoked_sub = im.bus->subscribe(protocol::kAuthRevoked, [&im](const bus::Message& m) {
    if (!bus::valid_token(m.data)) return;
    const std::string login(m.data);
    im.verifier->revoke(login);
    if (im.gateway) im.gateway->revoke_login(login);
  });

  if (im.has("auth") || im.has("host")) {
    im.db = open_database(s);
    const int applied = storage::migrate_up(*im.db, storage::sqlite_migrations(), im.clock.now_unix());
    if (applied > 0) log::get("storage")->info("msg=\"applied migrations\" count={}", applied);
  }

  if (im.has("auth")) {
    im.auth_store = std::make_unique<auth::SqliteAuthStore>(*im.db);
    im.hasher = std::make_unique<auth::PasswordHasher>(
        auth::PasswordCost{static_cast<unsigned long long>(s.auth.argon2_opslimit), s.auth.argon2_memlimit});
    im.limiter = std::make_unique<core::MemoryRateLimiter>(im.clock);
    auth::AuthLimits limits;
    limits.refresh_ttl_seconds = seconds(s.auth.refresh_ttl);
    limits.per_ip = {static_cast<double>(s.auth.ip_burst), static_cast<double>(s.auth.ip_per_minute)};
    limits.per_account = {static_cast<double>(s.auth.account_burst), static_cast<double>(s.auth.account_per_minute)};
    im.auth = std::make_unique<auth::AuthService>(
        *im.auth_store, *im.auth_store, *im.verifier, *im.hasher, *im.limiter, im.clock, *im.auth_metrics, limits,
        [&im](const std::string& sid) { im.bus->publish(protocol::kAuthRevoked, sid); });
    auth::add_routes(im.router, *im.auth, {static_cast<std::size_t>(s.http.json_max_depth)});
    // Which of these user ids are accounts (party invites go only to real players).
    im.exists_sub = im.bus->subscribe(
        protocol::kAccountsExist,
        [&im](const bus::Message& m) {
          json::object found;
          if (auto req = bus::payload::parse(m.data)) {
            if (const auto* ids = req->if_contains("user_ids"); ids != nullptr && ids->is_array()) {
              for (const auto& id : ids->get_array()) {
                if (found.size() >= 100) break;
                if (!id.is_string() || !bus::valid_token(std::string(id.get_string()))) continue;
                const std::string uid(id.get_string());
                found[uid] = im.auth_store->find(uid).has_value();
              }
            }
          }
          bus::payload::reply(*im.bus, m, {{"exists", std::move(found)}});
        },
        protocol::kAuthGroup);
  }

  if (im.has("sessions")) {
    im.presence = std::make_unique<sessions::PresenceService>(*im.bus);
    im.channels = std::make_unique<sessions::ChannelService>(
        *im.bus, *im.router_, sessions::ChannelLimits{static_cast<std::size_t>(s.channels.max_members)});
  }

  if (im.has("host")) {
    im.match_store = std::make_unique<match::SqliteMatchStore>(*im.db);
    match::HostSettings hs;
    hs.threads = s.host.threads;
    if (!s.host.bot_policy.empty()) {
      im.policy = std::make_unique<botpolicy::PolicyClient>(s.host.bot_policy, s.host.bot_policy_deadline, im.registry);
      hs.make_bot = [p = im.policy.get()](const match::GameInfo& g, const match::MatchSpec& spec, int) {
        return p->brain(spec.match_id, spec.game, g.make_bot());
      };
    }
    im.host =
        std::make_unique<match::MatchHost>(*im.bus, match::builtin_games(), *im.match_store, im.clock, im.registry, hs);
  }

  if (im.has("matchmaker")) {
    auto modes = matchmaking::configured_modes(s.matchmaking.modes, s.matchmaking.builtin_modes);
    check_games(modes, match::builtin_games());
    im.ratings = std::make_unique<matchmaking::FixedRating>(s.matchmaking.default_rating);
    matchmaking::ServiceSettings mm;
    mm.interval = s.matchmaking.interval;
    mm.invite_ttl = s.matchmaking.invite_ttl;
    mm.max_party_size = s.matchmaking.max_party_size;
    mm.invites_per_minute = s.matchmaking.invites_per_minute;
    mm.max_open_invites = s.matchmaking.max_open_invites;
    mm.match_hold = s.matchmaking.match_hold;
    im.matchmaker = std::make_unique<matchmaking::MatchmakerService>(*im.bus, im.clock, std::move(modes), *im.ratings,
                                                                     im.registry, mm);
  }

  if (im.has("gateway")) {
    gateway::GatewaySettings g;
    g.node_id = s.node_id;
    g.max_frame_bytes = s.gateway.max_frame_bytes;
    g.json_max_depth = static_cast<std::size_t>(s.http.json_max_depth);
    g.messages_per_second = s.gateway.messages_per_second;
    g.message_burst = s.gateway.message_burst;
    g.send_queue_messages = static_cast<std::size_t>(s.gateway.send_queue_messages);
    g.send_queue_bytes = s.gateway.send_queue_bytes;
    g.idle_timeout = s.gateway.idle_timeout;
    g.resume_window = s.gateway.resume_window;
    g.resume_buffer_messages = static_cast<std::size_t>(s.gateway.resume_buffer);
    g.second_connection = s.gateway.second_connection == "replace" ? gateway::SecondConnection::replace
                                                                   : gateway::SecondConnection::allow;
    g.max_channels_per_session = static_cast<std::size_t>(s.gateway.max_channels);
    g.max_body_chars = static_cast<std::size_t>(s.gateway.max_body_chars);
    g.close_timeout = s.gateway.close_timeout;
    g.max_sessions_per_user = static_cast<std::size_t>(s.gateway.max_sessions_per_user);
    g.upgrades_per_ip_burst = s.gateway.upgrades_per_ip_burst;
    g.upgrades_per_ip_per_minute = s.gateway.upgrades_per_ip_per_minute;
    im.gateway = std::make_unique<gateway::Gateway>(g, *im.bus, *im.verifier, im.clock, im.registry);
    im.gateway->install(im.router);
  }

  im.add_ops_routes();

  const auto ep = config::parse_endpoint(s.listen);
  http::ServerOptions opts;
  opts.host = ep.host;
  opts.port = ep.port;
  opts.max_header_bytes = s.http.max_header_bytes;
  opts.max_body_bytes = s.http.max_body_bytes;
  opts.idle_timeout = s.http.idle_timeout;
  opts.shutdown_timeout = s.http.shutdown_timeout;
  // 0: one I/O thread per core. Nothing on an I/O thread waits (storage handlers run on the
  // storage pool, services on their own threads), and a second thread per core only adds
  // context switches (docs/performance.md: +12 % ping round trips, +36 % fan-out).
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  opts.threads = s.http.threads > 0 ? s.http.threads : cores;
  opts.blocking_threads = s.http.blocking_threads;
  opts.storage_threads = s.http.storage_threads;
  opts.access_log = s.http.access_log;
  opts.max_connections_per_ip = static_cast<std::size_t>(s.http.max_connections_per_ip);
  im.server = std::make_unique<http::Server>(opts, im.router, im.http_metrics);
  im.server->start();
}

std::uint16_t App::port() const {
  return impl_->server ? impl_->server->port() : 0;
}

bool App::drain() {
  auto& im = *impl_;
  bool clean = true;
  if (im.gateway) clean = im.gateway->drain(im.settings.http.shutdown_timeout);  // 1001 to every socket
  if (im.server) clean = im.server->drain() && clean;
  return clean;
}

bus::Bus& App::bus() {
  return *impl_->bus;
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
  log::get("app")->info("msg=\"arena serving\" roles={} bus={} node={} listen={}:{} data_dir={}", roles,
                        settings.bus, app.node_id(), ep.host, app.port(), settings.data_dir);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::get("app")->info("msg=\"draining\" signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  const bool clean = app.drain();
  log::get("app")->info("msg=\"stopped\" clean={}", clean);
  return 0;
}

int replay(const config::Settings& settings, const std::string& match_id) {
  auto db = open_database(settings);
  storage::migrate_up(*db, storage::sqlite_migrations(), core::SystemClock().now_unix());
  match::SqliteMatchStore store(*db);
  auto rec = store.load(match_id);
  if (!rec) {
    std::cerr << "arena: no stored match " << match_id << " in " << db->path().string() << "\n";
    return 2;
  }
  const auto out = match::replay(*rec, match::builtin_games());
  std::cout << "match " << match_id << " (" << rec->spec.game << ", " << rec->spec.seats.size() << " seats, "
            << rec->inputs.size() << " inputs)\n"
            << "recorded: tick " << rec->ticks << " hash " << rec->final_hash << "\n"
            << "replayed: tick " << out.ticks << " hash " << out.final_hash << "\n"
            << (out.matches ? "verified: the replay ends in the recorded state" : "MISMATCH: the replay ends elsewhere")
            << "\n";
  return out.matches ? 0 : 1;
}

int migrate(const config::Settings& settings, const std::string& action) {
  core::SystemClock clock;
  auto db = open_database(settings);
  const auto& all = storage::sqlite_migrations();
  if (action == "up") {
    const int n = storage::migrate_up(*db, all, clock.now_unix());
    std::cout << "applied " << n << " migration(s); schema is at version " << (all.empty() ? 0 : all.back().version)
              << "\n";
    return 0;
  }
  std::cout << "database: " << db->path().string() << "\n";
  for (const auto& m : storage::migration_status(*db, all)) {
    std::cout << (m.applied_at ? (m.modified ? "modified" : "applied ") : "pending ") << "  " << m.version << "  "
              << m.name;
    if (m.applied_at) std::cout << "  (applied at " << *m.applied_at << ")";
    std::cout << "\n";
  }
  return 0;
}

}  // namespace arena::app
