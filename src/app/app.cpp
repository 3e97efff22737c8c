#include "arena/app/app.hpp"

#include <csignal>
#include <filesystem>
#include <iostream>

#include "arena/auth/key_file.hpp"
#include "arena/auth/routes.hpp"
#include "arena/auth/sqlite_store.hpp"
#include "arena/core/log.hpp"
#include "arena/http/server.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/storage/migrations.hpp"

namespace arena::app {
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

  config::Settings settings;
  const core::Clock& clock;
  metrics::Registry registry;
  http::HttpMetrics http_metrics;
  std::unique_ptr<auth::AuthMetrics> auth_metrics;
  std::unique_ptr<storage::Sqlite> db;
  std::unique_ptr<auth::SqliteAuthStore> auth_store;
  std::unique_ptr<auth::Jwt> jwt;
  std::unique_ptr<auth::PasswordHasher> hasher;
  std::unique_ptr<auth::MemoryRateLimiter> limiter;
  std::unique_ptr<auth::AuthService> auth;
  http::Router router;
  std::unique_ptr<http::Server> server;

  void add_ops_routes();
};

void App::Impl::add_ops_routes() {
  using http::Method;
  using http::Response;
  router.add(Method::get, "/healthz", [](http::Request&) { return Response::json(200, R"({"status":"ok"})"); });
  router.add(Method::get, "/readyz", [this](http::Request&) {
    if (server && server->draining()) return Response::error(503, "shutting_down", "server is shutting down");
    bool storage_ok = false;
    try {
      storage_ok = auth_store->ping();
    } catch (const std::exception& e) {
      log::get("app")->warn("msg=\"readiness check failed\" error=\"{}\"", e.what());
    }
    if (!storage_ok) return Response::error(503, "not_ready", "storage is unreachable");
    return Response::json(200, R"({"status":"ready","checks":{"storage":"ok"}})");
  });
  router.add(Method::get, "/metrics", [this](http::Request&) {
    return Response::text(200, registry.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

App::App(config::Settings settings, const core::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(settings), clock)) {}

App::~App() = default;

void App::start() {
  auto& im = *impl_;
  const auto& s = im.settings;
  log::configure({s.log.level, s.log.format});
  metrics::register_process_metrics(im.registry);

  im.db = open_database(s);
  const int applied = storage::migrate_up(*im.db, storage::sqlite_migrations(), im.clock.now_unix());
  if (applied > 0) log::get("storage")->info("msg=\"applied migrations\" count={}", applied);
  im.auth_store = std::make_unique<auth::SqliteAuthStore>(*im.db);

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
  im.hasher = std::make_unique<auth::PasswordHasher>(
      auth::PasswordCost{static_cast<unsigned long long>(s.auth.argon2_opslimit), s.auth.argon2_memlimit});
  im.limiter = std::make_unique<auth::MemoryRateLimiter>(im.clock);
  im.auth_metrics = std::make_unique<auth::AuthMetrics>(im.registry);
  auth::AuthLimits limits;
  limits.refresh_ttl_seconds = seconds(s.auth.refresh_ttl);
  limits.per_ip = {static_cast<double>(s.auth.ip_burst), static_cast<double>(s.auth.ip_per_minute)};
  limits.per_account = {static_cast<double>(s.auth.account_burst), static_cast<double>(s.auth.account_per_minute)};
  im.auth = std::make_unique<auth::AuthService>(*im.auth_store, *im.auth_store, *im.jwt, *im.hasher, *im.limiter,
                                                im.clock, *im.auth_metrics, limits);

  im.add_ops_routes();
  auth::add_routes(im.router, *im.auth, {static_cast<std::size_t>(s.http.json_max_depth)});

  const auto ep = config::parse_endpoint(s.listen);
  http::ServerOptions opts;
  opts.host = ep.host;
  opts.port = ep.port;
  opts.max_header_bytes = s.http.max_header_bytes;
  opts.max_body_bytes = s.http.max_body_bytes;
  opts.idle_timeout = s.http.idle_timeout;
  opts.shutdown_timeout = s.http.shutdown_timeout;
  opts.threads = s.http.threads;
  opts.blocking_threads = s.http.blocking_threads;
  opts.access_log = s.http.access_log;
  im.server = std::make_unique<http::Server>(opts, im.router, im.http_metrics);
  im.server->start();
}

std::uint16_t App::port() const {
  return impl_->server ? impl_->server->port() : 0;
}

bool App::drain() {
  return impl_->server ? impl_->server->drain() : true;
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
  log::get("app")->info("msg=\"arena serving\" mode=embedded listen={}:{} data_dir={}", ep.host, app.port(),
                        settings.data_dir);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::get("app")->info("msg=\"draining\" signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  const bool clean = app.drain();
  log::get("app")->info("msg=\"stopped\" clean={}", clean);
  return 0;
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
