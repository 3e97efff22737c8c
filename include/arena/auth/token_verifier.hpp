#pragma once
// Verifying access tokens: the JWT checks plus the set of logins revoked while their access
// tokens may still be unexpired. Needs no database, so gateway-only processes use it directly.
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "arena/auth/jwt.hpp"
#include "arena/auth/metrics.hpp"
#include "arena/core/clock.hpp"

namespace arena::auth {

struct Principal {
  std::string user_id;
  std::string session_id;  // the login (token family), the JWT's sid
  std::int64_t expires_at = 0;
};

class TokenVerifier {
 public:
  TokenVerifier(const Jwt& jwt, const core::Clock& clock, AuthMetrics& metrics);

  // Throws Error 401 with the token error's code (docs/protocol.md), or token_revoked.
  Principal verify(std::string_view access_token);
  void revoke(const std::string& session_id);
  bool is_revoked(const std::string& session_id);
  const Jwt& jwt() const { return jwt_; }

 private:
  const Jwt& jwt_;
  const core::Clock& clock_;
  AuthMetrics& metrics_;
  std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> revoked_;  // sid -> revoked at (unix s)
};

}  // namespace arena::auth
