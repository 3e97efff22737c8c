#include "arena/auth/service.hpp"

#include <gtest/gtest.h>

#include "arena/http/message.hpp"

#include "arena/auth/sqlite_store.hpp"
#include "arena/core/encoding.hpp"
#include "arena/core/error.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::auth {
namespace {

using namespace std::chrono_literals;

struct Fixture {
  Fixture()
      : db(storage::Sqlite::open(dir.path() / "t.db")),
        store((storage::migrate_up(*db, storage::sqlite_migrations(), 0), *db)),
        jwt(KeyRing::parse("k1:" + core::base64url_encode(std::string("service-test-secret-0123456789abcdef"))),
            JwtOptions{}),
        hasher({1, 8 * 1024}),
        limiter(clock),
        metrics(registry),
        verifier(jwt, clock, metrics),
        service(store, store, verifier, hasher, limiter, clock, metrics, limits()) {}

  static AuthLimits limits() {
    AuthLimits l;
    l.refresh_ttl_seconds = 3600;
    l.per_ip = {8, 8};
    l.per_account = {5, 5};
    return l;
  }

  testing::TempDir dir;
  core::FakeClock clock;
  std::unique_ptr<storage::Sqlite> db;
  SqliteAuthStore store;
  Jwt jwt;
  PasswordHasher hasher;
  core::MemoryRateLimiter limiter;
  metrics::Registry registry;
  AuthMetrics metrics;
  TokenVerifier verifier;
  AuthService service;
};

std::string code_of(const std::function<void()>& fn, int* status = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (status != nullptr) *status = http::status_of(e.code());  // the status REST answers with
    return std::string(e.code_name());
  }
  return "none";
}

}  // namespace

TEST(AuthService, GuestAndDeviceLogins) {
  Fixture f;
  auto g = f.service.guest(std::nullopt);
  EXPECT_EQ(f.service.authenticate(g.access_token).user_id, g.user_id);
  EXPECT_EQ(f.service.account(g.user_id).kind, "guest");

  auto d1 = f.service.device("device-0001", std::string("Zoë"));
  auto d2 = f.service.device("device-0001", std::string("ignored"));
  auto d3 = f.service.device("device-0002", std::nullopt);
  EXPECT_EQ(d1.user_id, d2.user_id);
  EXPECT_NE(d1.user_id, d3.user_id);
  EXPECT_EQ(f.service.account(d1.user_id).display_name, "Zoë");
  EXPECT_EQ(code_of([&] { f.service.device("short", std::nullopt); }), "invalid_field");
  EXPECT_EQ(code_of([&] { f.service.device("has space 123", std::nullopt); }), "invalid_field");
}

TEST(AuthService, RegisterThenLoginWithoutRevealingWhichPartWasWrong) {
  Fixture f;
  auto r = f.service.register_password("Ann@Example.com", "s3cret-pass", "Ann", "10.0.0.1");
  EXPECT_EQ(f.service.account(r.user_id).email, "ann@example.com");
  int status = 0;
  EXPECT_EQ(code_of([&] { f.service.register_password("ann@example.com", "other-pass", "Ann2", "10.0.0.2"); }, &status),
            "email_taken");
  EXPECT_EQ(status, 409);
  EXPECT_EQ(f.service.login("ANN@example.com", "s3cret-pass", "10.0.0.3").user_id, r.user_id);
  const auto wrong_pw = code_of([&] { f.service.login("ann@example.com", "nope-nope", "10.0.0.4"); });
  const auto no_user = code_of([&] { f.service.login("bob@example.com", "nope-nope", "10.0.0.4"); });
  EXPECT_EQ(wrong_pw, "invalid_credentials");
  EXPECT_EQ(no_user, wrong_pw);
  EXPECT_EQ(code_of([&] { f.service.register_password("x@y.z", "short", "X", "10.0.0.5"); }), "invalid_field");
  EXPECT_EQ(code_of([&] { f.service.register_password("not-an-email", "long-enough", "X", "10.0.0.5"); }),
            "invalid_field");
  EXPECT_EQ(code_of([&] { f.service.register_password("x@y.z", "long-enough", "   ", "10.0.0.5"); }), "invalid_field");
}

TEST(AuthService, LoginIsRateLimitedPerAccountAndPerIp) {
  Fixture f;
  f.service.register_password("ann@example.com", "s3cret-pass", "Ann", "10.0.0.1");
  // Per account: 5 at once (the registration took one), from different addresses.
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(code_of([&] { f.service.login("ann@example.com", "bad-pass!", "10.1.0." + std::to_string(i)); }),
              "invalid_credentials");
  int status = 0;
  EXPECT_EQ(code_of([&] { f.service.login("ann@example.com", "s3cret-pass", "10.1.0.9"); }, &status), "rate_limited");
  EXPECT_EQ(status, 429);
  f.clock.advance(1min);
  EXPECT_EQ(code_of([&] { f.service.login("ann@example.com", "s3cret-pass", "10.1.0.9"); }), "none");

  // Per IP: 8 at once, across accounts.
  for (int i = 0; i < 8; ++i)
    code_of([&] { f.service.login("u" + std::to_string(i) + "@example.com", "whatever1", "10.2.0.1"); });
  try {
    f.service.login("z@example.com", "whatever1", "10.2.0.1");
    FAIL() << "expected rate limit";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::rate_limited);
    EXPECT_GT(e.retry_after(), 0);
  }
}

TEST(AuthService, RefreshRotatesAndReuseRevokesTheFamily) {
  Fixture f;
  auto t0 = f.service.guest(std::nullopt);
  auto t1 = f.service.refresh(t0.refresh_token);
  EXPECT_NE(t1.refresh_token, t0.refresh_token);
  EXPECT_EQ(t1.user_id, t0.user_id);
  auto t2 = f.service.refresh(t1.refresh_token);
  // An attacker replays the stolen t0: the whole family dies, including the live t2.
  EXPECT_EQ(code_of([&] { f.service.refresh(t0.refresh_token); }), "refresh_token_reused");
  EXPECT_EQ(code_of([&] { f.service.refresh(t2.refresh_token); }), "refresh_token_revoked");
  EXPECT_EQ(code_of([&] { f.service.authenticate(t2.access_token); }), "token_revoked");
  // Another login of the same user is unaffected.
  auto other = f.service.guest(std::nullopt);
  EXPECT_EQ(code_of([&] { f.service.refresh(other.refresh_token); }), "none");
  EXPECT_EQ(code_of([&] { f.service.refresh("garbage"); }), "refresh_token_invalid");
  EXPECT_EQ(code_of([&] { f.service.refresh(std::string(43, 'A')); }), "refresh_token_invalid");
}

TEST(AuthService, TokensExpireOnTheInjectedClock) {
  Fixture f;
  auto t = f.service.guest(std::nullopt);
  f.clock.advance(15min - 10s);
  EXPECT_EQ(code_of([&] { f.service.authenticate(t.access_token); }), "none");
  f.clock.advance(20s);
  EXPECT_EQ(code_of([&] { f.service.authenticate(t.access_token); }), "token_expired");
  auto t2 = f.service.refresh(t.refresh_token);  // refresh ttl is an hour
  f.clock.advance(61min);
  EXPECT_EQ(code_of([&] { f.service.refresh(t2.refresh_token); }), "refresh_token_expired");
}

TEST(AuthService, LogoutEndsTheLoginEverywhere) {
  Fixture f;
  auto t = f.service.guest(std::nullopt);
  auto other = f.service.guest(std::nullopt);
  f.service.logout_session(f.service.authenticate(t.access_token).session_id);
  EXPECT_EQ(code_of([&] { f.service.authenticate(t.access_token); }), "token_revoked");
  EXPECT_EQ(code_of([&] { f.service.refresh(t.refresh_token); }), "refresh_token_revoked");
  EXPECT_EQ(code_of([&] { f.service.authenticate(other.access_token); }), "none");
  f.service.logout_refresh_token(other.refresh_token);
  EXPECT_EQ(code_of([&] { f.service.authenticate(other.access_token); }), "token_revoked");
}

TEST(AuthService, RevocationsSurviveARestart) {
  Fixture f;
  auto t = f.service.guest(std::nullopt);
  f.service.logout_refresh_token(t.refresh_token);
  TokenVerifier fresh(f.jwt, f.clock, f.metrics);  // a restarted process knows no revocations yet
  AuthService restarted(f.store, f.store, fresh, f.hasher, f.limiter, f.clock, f.metrics, Fixture::limits());
  EXPECT_EQ(code_of([&] { restarted.authenticate(t.access_token); }), "token_revoked");
}

TEST(AuthService, RenameValidates) {
  Fixture f;
  auto t = f.service.guest(std::nullopt);
  EXPECT_EQ(f.service.rename(t.user_id, "  New Name ").display_name, "New Name");
  EXPECT_EQ(code_of([&] { f.service.rename(t.user_id, std::string(33, 'x')); }), "invalid_field");
  EXPECT_EQ(code_of([&] { f.service.rename("no-such-user", "Name"); }), "account_not_found");
}

}  // namespace arena::auth

namespace arena::auth {

TEST(AuthService, DisabledAccountsAreRefusedWith403AndTheirLoginsEnd) {
  Fixture f;
  auto reg = f.service.register_password("dis@example.com", "s3cret-pass", "Dis", "10.0.0.1");
  auto dev = f.service.device("device-disabled-1", std::nullopt);
  f.db->with([&](storage::Sqlite& c) { c.exec("UPDATE accounts SET disabled = 1"); });
  int status = 0;
  EXPECT_EQ(code_of([&] { f.service.login("dis@example.com", "s3cret-pass", "10.0.0.2"); }, &status),
            "account_disabled");
  EXPECT_EQ(status, 403);
  EXPECT_EQ(code_of([&] { f.service.device("device-disabled-1", std::nullopt); }), "account_disabled");
  EXPECT_EQ(code_of([&] { f.service.refresh(reg.refresh_token); }), "account_disabled");
  EXPECT_EQ(code_of([&] { f.service.authenticate(reg.access_token); }), "token_revoked");
  EXPECT_EQ(code_of([&] { f.service.login("dis@example.com", "wrong-pass!", "10.0.0.3"); }), "invalid_credentials");
  (void)dev;
}

}  // namespace arena::auth
