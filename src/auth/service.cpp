#include "arena/auth/service.hpp"

#include <algorithm>

#include "arena/core/encoding.hpp"
#include "arena/core/error.hpp"
#include "arena/core/random.hpp"

namespace arena::auth {
namespace {

constexpr std::size_t kRefreshTokenBytes = 32;  // 256 bits

Error invalid_field(const std::string& message) {
  return Error(Code::invalid_field, message);
}

std::string guest_name() {
  std::array<unsigned char, 3> b{};
  core::random_bytes(b);
  return "Guest-" + core::hex_encode(b);
}

}  // namespace

AuthService::AuthService(AccountStore& accounts, TokenStore& tokens, TokenVerifier& verifier,
                         const PasswordHasher& hasher, core::RateLimiter& limiter, const core::Clock& clock,
                         AuthMetrics& metrics, const AuthLimits& limits,
                         std::function<void(const std::string&)> on_revoked)
    : accounts_(accounts),
      tokens_(tokens),
      verifier_(verifier),
      jwt_(verifier.jwt()),
      hasher_(hasher),
      limiter_(limiter),
      clock_(clock),
      metrics_(metrics),
      limits_(limits),
      on_revoked_(std::move(on_revoked)) {
  // Sessions revoked recently enough that their access tokens could still be alive.
  const std::int64_t horizon = clock_.now_unix() - jwt_.options().ttl_seconds - jwt_.options().leeway_seconds;
  for (const auto& sid : tokens_.revoked_since(horizon)) verifier_.revoke(sid);
}

std::string AuthService::normalize_email(std::string_view email) {
  if (email.size() < 3 || email.size() > 254) throw invalid_field("email must be 3 to 254 characters");
  std::string out;
  out.reserve(email.size());
  for (char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) throw invalid_field("email must not contain spaces or control characters");
    out.push_back(static_cast<char>(std::tolower(u)));
  }
  const auto at = out.find('@');
  if (at == std::string::npos || at == 0 || out.find('@', at + 1) != std::string::npos)
    throw invalid_field("email must look like name@example.com");
  const std::string_view domain = std::string_view(out).substr(at + 1);
  const auto dot = domain.rfind('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || dot + 1 == domain.size())
    throw invalid_field("email must look like name@example.com");
  if (!core::is_clean_utf8(out)) throw invalid_field("email is not valid UTF-8");
  return out;
}

void AuthService::check_password(std::string_view password) {
  const std::size_t n = core::utf8_length(password);
  if (n < 8 || n > 128) throw invalid_field("password must be 8 to 128 characters");
}

std::string AuthService::check_display_name(std::string_view name) {
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  if (!core::is_clean_utf8(name)) throw invalid_field("display_name contains control characters or bad UTF-8");
  const std::size_t n = core::utf8_length(name);
  if (n < 1 || n > 32) throw invalid_field("display_name must be 1 to 32 characters");
  return std::string(name);
}

void AuthService::check_device_id(std::string_view device_id) {
  if (device_id.size() < 8 || device_id.size() > 128) throw invalid_field("device_id must be 8 to 128 characters");
  for (char c : device_id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != ':')
      throw invalid_field("device_id may contain only letters, digits and - _ . :");
  }
}

AuthService::PendingLogin AuthService::pending_login() {
  const std::int64_t now = clock_.now_unix();
  PendingLogin p;
  p.tokens.refresh_token = core::random_token(kRefreshTokenBytes);
  p.family = {core::new_uuid(), core::sha256_hex(p.tokens.refresh_token), now, now + limits_.refresh_ttl_seconds};
  return p;
}

TokenPair AuthService::finish_login(PendingLogin& p, const std::string& user_id) {
  p.tokens.user_id = user_id;
  p.tokens.access_token = jwt_.issue(user_id, p.family.family_id, p.family.now);
  p.tokens.expires_in = jwt_.options().ttl_seconds;
  p.tokens.refresh_expires_in = limits_.refresh_ttl_seconds;
  return std::move(p.tokens);
}

TokenPair AuthService::logged_in(std::string_view method, TokenPair tokens, const std::string& user_id,
                                 bool new_account) {
  if (on_login_) on_login_(Login{method, user_id, new_account});
  return tokens;
}

TokenPair AuthService::start_session(const Account& account) {
  auto p = pending_login();
  tokens_.start_family(p.family.family_id, account.id, p.family.token_hash, p.family.now, p.family.expires_at);
  return finish_login(p, account.id);
}

TokenPair AuthService::guest(const std::optional<std::string>& display_name) {
  NewAccount a{core::new_uuid(), "guest",      display_name ? check_display_name(*display_name) : guest_name(),
               std::nullopt,     std::nullopt, clock_.now_unix()};
  auto p = pending_login();  // the account and the login's family in one step
  const Account account = accounts_.guest_login(a, p.family);
  metrics_.logins.with({"guest", "ok"}).inc();
  return logged_in("guest", finish_login(p, account.id), account.id, true);
}

TokenPair AuthService::device(const std::string& device_id, const std::optional<std::string>& display_name) {
  check_device_id(device_id);
  if (display_name) check_display_name(*display_name);
  {  // a returning device: its account and the login's family in one step
    auto login = pending_login();
    if (auto known = accounts_.device_login(device_id, login.family)) {
      if (known->disabled) {
        metrics_.logins.with({"device", "disabled"}).inc();
        throw Error(Code::account_disabled, "this account is disabled");
      }
      metrics_.logins.with({"device", "ok"}).inc();
      return logged_in("device", finish_login(login, known->id), known->id, false);
    }
  }
  NewAccount fresh{core::new_uuid(), "device",     display_name ? check_display_name(*display_name) : guest_name(),
                   std::nullopt,     std::nullopt, clock_.now_unix()};
  auto login = pending_login();  // its first login, most likely: account, binding and family in one step
  const auto got = accounts_.device_account_login(device_id, fresh, login.family);
  if (got.account.disabled) {
    metrics_.logins.with({"device", "disabled"}).inc();
    throw Error(Code::account_disabled, "this account is disabled");
  }
  metrics_.logins.with({"device", "ok"}).inc();
  return logged_in("device", finish_login(login, got.account.id), got.account.id, got.created);
}

void AuthService::throttle(const std::string& client_ip, const std::string& email) {
  if (int wait = limiter_.acquire("ip:" + client_ip, limits_.per_ip); wait > 0) {
    metrics_.rate_limited.with({"ip"}).inc();
    throw Error(Code::rate_limited, "too many attempts from this address").with_retry_after(wait);
  }
  if (int wait = limiter_.acquire("account:" + email, limits_.per_account); wait > 0) {
    metrics_.rate_limited.with({"account"}).inc();
    throw Error(Code::rate_limited, "too many attempts for this account").with_retry_after(wait);
  }
}

TokenPair AuthService::register_password(const std::string& email_in, const std::string& password,
                                         const std::string& display_name, const std::string& client_ip) {
  const std::string email = normalize_email(email_in);
  check_password(password);
  const std::string name = check_display_name(display_name);
  throttle(client_ip, email);
  NewAccount a{core::new_uuid(), "password", name, email, hasher_.hash(password), clock_.now_unix()};
  auto account = accounts_.create(a);
  if (!account) {
    metrics_.logins.with({"register", "email_taken"}).inc();
    throw Error(Code::email_taken, "an account with this email already exists");
  }
  metrics_.logins.with({"register", "ok"}).inc();
  return logged_in("register", start_session(*account), account->id, true);
}

TokenPair AuthService::login(const std::string& email_in, const std::string& password, const std::string& client_ip) {
  // Shape errors in the email say nothing about whether an account exists.
  const std::string email = normalize_email(email_in);
  if (password.empty() || password.size() > 1024) throw invalid_field("password must be 1 to 1024 bytes");
  throttle(client_ip, email);
  auto found = accounts_.find_by_email(email);
  if (!found) {
    hasher_.burn(password);  // same cost as a real check: no timing oracle
    metrics_.logins.with({"password", "invalid_credentials"}).inc();
    throw Error(Code::invalid_credentials, "email or password is wrong");
  }
  if (!hasher_.verify(found->password_hash, password)) {
    metrics_.logins.with({"password", "invalid_credentials"}).inc();
    throw Error(Code::invalid_credentials, "email or password is wrong");
  }
  if (found->account.disabled) {
    metrics_.logins.with({"password", "disabled"}).inc();
    throw Error(Code::account_disabled, "this account is disabled");
  }
  if (hasher_.needs_rehash(found->password_hash))
    accounts_.set_password_hash(found->account.id, hasher_.hash(password), clock_.now_unix());
  metrics_.logins.with({"password", "ok"}).inc();
  return logged_in("password", start_session(found->account), found->account.id, false);
}

TokenPair AuthService::refresh(const std::string& refresh_token) {
  if (refresh_token.size() != 43 || !core::base64url_decode(refresh_token)) {
    metrics_.refreshes.with({"invalid"}).inc();
    throw Error(Code::refresh_token_invalid, "refresh token is not valid");
  }
  const std::int64_t now = clock_.now_unix();
  TokenPair t;
  t.refresh_token = core::random_token(kRefreshTokenBytes);
  const RotateResult r = tokens_.rotate(core::sha256_hex(refresh_token), core::sha256_hex(t.refresh_token), now,
                                        now + limits_.refresh_ttl_seconds);
  switch (r.status) {
    case RotateStatus::unknown:
      metrics_.refreshes.with({"invalid"}).inc();
      throw Error(Code::refresh_token_invalid, "refresh token is not valid");
    case RotateStatus::expired:
      metrics_.refreshes.with({"expired"}).inc();
      throw Error(Code::refresh_token_expired, "refresh token has expired; log in again");
    case RotateStatus::revoked:
      metrics_.refreshes.with({"revoked"}).inc();
      throw Error(Code::refresh_token_revoked, "this login has ended; log in again");
    case RotateStatus::reused:
      mark_revoked(r.family_id);
      metrics_.refreshes.with({"reused"}).inc();
      throw Error(Code::refresh_token_reused, "refresh token was already used; this login has been ended for safety");
    case RotateStatus::rotated: break;
  }
  auto account = accounts_.find(r.account_id);
  if (!account || account->disabled) {
    tokens_.revoke_family(r.family_id, "account_disabled", now);
    mark_revoked(r.family_id);
    throw Error(Code::account_disabled, "this account is disabled");
  }
  metrics_.refreshes.with({"ok"}).inc();
  t.user_id = r.account_id;
  t.access_token = jwt_.issue(r.account_id, r.family_id, now);
  t.expires_in = jwt_.options().ttl_seconds;
  t.refresh_expires_in = limits_.refresh_ttl_seconds;
  return t;
}

void AuthService::logout_session(const std::string& session_id) {
  tokens_.revoke_family(session_id, "logout", clock_.now_unix());
  mark_revoked(session_id);
}

void AuthService::logout_refresh_token(const std::string& refresh_token) {
  auto family = tokens_.family_of(core::sha256_hex(refresh_token));
  if (!family) throw Error(Code::refresh_token_invalid, "refresh token is not valid");
  logout_session(*family);
}

void AuthService::mark_revoked(const std::string& session_id) {
  verifier_.revoke(session_id);
  if (on_revoked_) on_revoked_(session_id);
}

Account AuthService::account(const std::string& user_id) {
  return account(accounts_, user_id);
}

Account AuthService::rename(const std::string& user_id, const std::string& display_name) {
  return rename(accounts_, clock_.now_unix(), user_id, display_name);
}

Account AuthService::account(AccountStore& accounts, const std::string& user_id) {
  auto a = accounts.find(user_id);
  if (!a) throw Error(Code::account_not_found, "account no longer exists");
  return *a;
}

Account AuthService::rename(AccountStore& accounts, std::int64_t now_unix, const std::string& user_id,
                            const std::string& display_name) {
  auto a = accounts.set_display_name(user_id, check_display_name(display_name), now_unix);
  if (!a) throw Error(Code::account_not_found, "account no longer exists");
  return *a;
}

}  // namespace arena::auth
