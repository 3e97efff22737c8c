#pragma once
// The login service: accounts, credentials, access + refresh tokens. Plain logic over the
// store, hasher, rate limiter and clock interfaces; failures are Errors with stable codes.
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "arena/auth/jwt.hpp"
#include "arena/auth/metrics.hpp"
#include "arena/auth/password.hpp"
#include "arena/auth/store.hpp"
#include "arena/auth/token_verifier.hpp"
#include "arena/core/clock.hpp"
#include "arena/core/rate_limiter.hpp"

namespace arena::auth {

struct AuthLimits {
  std::int64_t refresh_ttl_seconds = 30LL * 24 * 3600;
  core::BucketPolicy per_ip{20, 20};
  core::BucketPolicy per_account{10, 5};
};

struct TokenPair {
  std::string user_id;
  std::string access_token;
  std::string refresh_token;
  std::int64_t expires_in = 0;
  std::int64_t refresh_expires_in = 0;
};

class AuthService {
 public:
  // `on_revoked` (optional) hears every login this service ends, so other processes can refuse
  // its access tokens too.
  AuthService(AccountStore& accounts, TokenStore& tokens, TokenVerifier& verifier, const PasswordHasher& hasher,
              core::RateLimiter& limiter, const core::Clock& clock, AuthMetrics& metrics, const AuthLimits& limits,
              std::function<void(const std::string&)> on_revoked = {});

  // A successful login, for the game-event stream (auth.login).
  struct Login {
    std::string_view method;  // guest, device, register, password
    const std::string& user_id;
    bool new_account;
  };
  // Called on the login's thread after each successful login (set once, before serving).
  void on_login(std::function<void(const Login&)> fn) { on_login_ = std::move(fn); }

  TokenPair guest(const std::optional<std::string>& display_name);
  TokenPair device(const std::string& device_id, const std::optional<std::string>& display_name);
  TokenPair register_password(const std::string& email, const std::string& password, const std::string& display_name,
                              const std::string& client_ip);
  TokenPair login(const std::string& email, const std::string& password, const std::string& client_ip);
  TokenPair refresh(const std::string& refresh_token);
  // Ends the login (token family) that the access token or refresh token belongs to.
  void logout_session(const std::string& session_id);
  void logout_refresh_token(const std::string& refresh_token);

  // Verifies an access token; throws Error 401 with the token error's code.
  Principal authenticate(std::string_view access_token) { return verifier_.verify(access_token); }

  Account account(const std::string& user_id);
  Account rename(const std::string& user_id, const std::string& display_name);

  // The same two over any account store (the worker role's GraphQL has no AuthService): Error
  // account_not_found when the account is gone; invalid_field for a bad name.
  static Account account(AccountStore& accounts, const std::string& user_id);
  static Account rename(AccountStore& accounts, std::int64_t now_unix, const std::string& user_id,
                        const std::string& display_name);

  // Field validation shared with the HTTP handlers; each throws Error invalid_field.
  static std::string normalize_email(std::string_view email);
  static void check_password(std::string_view password);
  static std::string check_display_name(std::string_view name);
  static void check_device_id(std::string_view device_id);

 private:
  // A login's refresh token and family, before the family is stored; then its access token.
  struct PendingLogin {
    TokenPair tokens;
    NewFamily family;
  };
  PendingLogin pending_login();
  TokenPair finish_login(PendingLogin& login, const std::string& user_id);
  TokenPair start_session(const Account& account);
  TokenPair logged_in(std::string_view method, TokenPair tokens, const std::string& user_id, bool new_account);
  void throttle(const std::string& client_ip, const std::string& email);
  void mark_revoked(const std::string& session_id);

  AccountStore& accounts_;
  TokenStore& tokens_;
  TokenVerifier& verifier_;
  const Jwt& jwt_;
  const PasswordHasher& hasher_;
  core::RateLimiter& limiter_;
  const core::Clock& clock_;
  AuthMetrics& metrics_;
  AuthLimits limits_;
  std::function<void(const std::string&)> on_revoked_;
  std::function<void(const Login&)> on_login_;
};

}  // namespace arena::auth
