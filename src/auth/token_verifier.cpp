#include "arena/auth/token_verifier.hpp"

#include "arena/core/error.hpp"

namespace arena::auth {

TokenVerifier::TokenVerifier(const Jwt& jwt, const core::Clock& clock, AuthMetrics& metrics)
    : jwt_(jwt), clock_(clock), metrics_(metrics) {}

Principal TokenVerifier::verify(std::string_view access_token) {
  if (access_token.empty()) {
    metrics_.token_failures.with({"unauthorized"}).inc();
    throw Error(Code::unauthorized, "an access token is required (Authorization: Bearer <token>)");
  }
  auto r = jwt_.verify(access_token, clock_.now_unix());
  if (r.error != TokenError::none) {
    metrics_.token_failures.with({name(code(r.error))}).inc();
    throw Error(code(r.error), std::string(message(r.error)));
  }
  if (is_revoked(r.claims.sid)) {
    metrics_.token_failures.with({"token_revoked"}).inc();
    throw Error(Code::token_revoked, "this login has ended; log in again");
  }
  return {std::move(r.claims.sub), std::move(r.claims.sid), r.claims.exp};
}

void TokenVerifier::revoke(const std::string& session_id) {
  const std::int64_t now = clock_.now_unix();
  // Entries older than an access token's lifetime can no longer matter.
  const std::int64_t horizon = now - jwt_.options().ttl_seconds - jwt_.options().leeway_seconds;
  std::lock_guard lock(mu_);
  if (revoked_.size() > 1024) std::erase_if(revoked_, [&](const auto& kv) { return kv.second < horizon; });
  revoked_[session_id] = now;
}

bool TokenVerifier::is_revoked(const std::string& session_id) {
  std::lock_guard lock(mu_);
  return revoked_.contains(session_id);
}

}  // namespace arena::auth
