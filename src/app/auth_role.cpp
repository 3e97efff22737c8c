// The auth role: logins, refresh and account routes, and `auth.accounts.exist` for the other roles.
#include <boost/json/object.hpp>

#include "arena/auth/password.hpp"
#include "arena/auth/postgres_store.hpp"
#include "arena/auth/routes.hpp"
#include "arena/auth/service.hpp"
#include "arena/auth/sqlite_store.hpp"
#include "arena/bus/payload.hpp"
#include "arena/core/log.hpp"
#include "arena/core/rate_limiter.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/storage/redis_rate_limiter.hpp"
#include "roles.hpp"

namespace arena::app {
namespace {

std::int64_t seconds(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

class AuthRole final : public Component {
 public:
  AuthRole(const auth::Settings& s, const http::Settings& http, Shared& shared)
      : settings_(s), json_max_depth_(static_cast<std::size_t>(http.json_max_depth)), shared_(shared) {}
  ~AuthRole() override { stop(); }

  std::string_view name() const override { return "auth"; }

  void start() override {
    if (shared_.pg != nullptr) {
      auto pg = std::make_unique<auth::PostgresAuthStore>(*shared_.pg);
      accounts_ = pg.get(), tokens_ = pg.get();
      store_ = std::move(pg);
    } else {
      if (shared_.db == nullptr) throw std::logic_error("the auth role needs storage");
      auto sqlite = std::make_unique<auth::SqliteAuthStore>(*shared_.db);
      accounts_ = sqlite.get(), tokens_ = sqlite.get();
      store_ = std::move(sqlite);
    }
    hasher_ = std::make_unique<auth::PasswordHasher>(
        auth::PasswordCost{static_cast<unsigned long long>(settings_.argon2_opslimit), settings_.argon2_memlimit});
    // Login limits: shared by every auth process through Redis when there is one.
    if (shared_.redis != nullptr) {
      auto& errors = shared_.redis_errors->with({"rate_limit"});
      limiter_ = std::make_unique<storage::RedisRateLimiter>(*shared_.redis, shared_.clock,
                                                             [&errors](const storage::RedisError&) { errors.inc(); });
    } else {
      limiter_ = std::make_unique<core::MemoryRateLimiter>(shared_.clock);
    }
    auth::AuthLimits limits;
    limits.refresh_ttl_seconds = seconds(settings_.refresh_ttl);
    limits.per_ip = {static_cast<double>(settings_.ip_burst), static_cast<double>(settings_.ip_per_minute)};
    limits.per_account = {static_cast<double>(settings_.account_burst),
                          static_cast<double>(settings_.account_per_minute)};
    service_ = std::make_unique<auth::AuthService>(
        *accounts_, *tokens_, shared_.verifier, *hasher_, *limiter_, shared_.clock, shared_.auth_metrics, limits,
        [&bus = shared_.bus](const std::string& sid) { bus.publish(protocol::kAuthRevoked, sid); });
    service_->on_login([events = shared_.events](const auth::AuthService::Login& l) {
      if (events != nullptr)
        events->emit("auth.login", {.user_id = l.user_id}, {{"method", l.method}, {"new_account", l.new_account}});
    });
    auth::add_routes(shared_.routes, *service_, {json_max_depth_});
    // Which of these user ids are accounts (party invites go only to real players).
    exists_sub_ = shared_.bus.subscribe(
        protocol::kAccountsExist, [this](const bus::Message& m) { on_exists(m); }, protocol::kAuthGroup);
  }

  void stop() override {
    exists_sub_.reset();
    // The routes keep pointing at the service: it lives as long as the role, which outlives the
    // HTTP server (the App destroys the server before its roles).
  }

  void check(std::map<std::string, bool>& checks) override {
    bool ok = false;
    try {
      ok = tokens_ != nullptr && tokens_->ping();
    } catch (const std::exception& e) {
      log::get("app")->warn("msg=\"readiness check failed\" error=\"{}\"", e.what());
    }
    checks["storage"] = ok;
  }

 private:
  void on_exists(const bus::Message& m) {
    boost::json::object found;
    if (auto req = bus::payload::parse(m.data)) {
      if (const auto* ids = req->if_contains("user_ids"); ids != nullptr && ids->is_array()) {
        for (const auto& id : ids->get_array()) {
          if (found.size() >= 100) break;
          if (!id.is_string() || !bus::valid_token(std::string(id.get_string()))) continue;
          const std::string uid(id.get_string());
          found[uid] = accounts_->find(uid).has_value();
        }
      }
    }
    bus::payload::reply(shared_.bus, m, {{"exists", std::move(found)}});
  }

  const auth::Settings settings_;
  const std::size_t json_max_depth_;
  Shared& shared_;
  std::shared_ptr<void> store_;  // SqliteAuthStore or PostgresAuthStore, by the `database` setting
  auth::AccountStore* accounts_ = nullptr;
  auth::TokenStore* tokens_ = nullptr;
  std::unique_ptr<auth::PasswordHasher> hasher_;
  std::unique_ptr<core::RateLimiter> limiter_;
  std::unique_ptr<auth::AuthService> service_;
  std::unique_ptr<bus::Subscription> exists_sub_;
};

}  // namespace

std::unique_ptr<Component> auth_role(const auth::Settings& settings, const http::Settings& http, Shared& shared) {
  return std::make_unique<AuthRole>(settings, http, shared);
}

}  // namespace arena::app
