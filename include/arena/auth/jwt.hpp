#pragma once
// Access tokens: JWT, HS256 only, with a key ring so keys rotate without logging anyone out.
// New tokens are signed with the active key; every key still in the ring verifies; a key
// removed from the ring is retired and its tokens fail with `token_unknown_kid`.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arena/core/error.hpp"

namespace arena::auth {

class HmacKey;  // src/auth/hmac.hpp

class KeyRing {
 public:
  KeyRing();
  ~KeyRing();
  KeyRing(KeyRing&&) noexcept;
  KeyRing& operator=(KeyRing&&) noexcept;

  // "kid:secret,kid:secret" with base64url secrets of at least 32 bytes; the first key is
  // active unless `active_kid` names another. Throws std::invalid_argument.
  static KeyRing parse(std::string_view spec, std::string_view active_kid = {});
  // A new random 256-bit key, as "kid:secret".
  static std::string generate_entry(std::string_view kid);

  void add(std::string kid, std::string_view secret);
  void set_active(std::string_view kid);
  const std::string& active_kid() const { return active_; }
  const HmacKey* find(std::string_view kid) const;
  std::size_t size() const { return keys_.size(); }
  std::vector<std::string> kids() const;

 private:
  std::map<std::string, std::unique_ptr<HmacKey>, std::less<>> keys_;
  std::string active_;
};

struct Claims {
  std::string sub;  // user id
  std::string sid;  // session = refresh-token family
  std::int64_t iat = 0;
  std::int64_t exp = 0;
};

// Each failure has its own stable error code (see code()).
enum class TokenError {
  none,
  malformed,       // token_malformed
  bad_algorithm,   // token_bad_algorithm (anything but HS256, including "none")
  unknown_kid,     // token_unknown_kid
  bad_signature,   // token_bad_signature
  expired,         // token_expired
  wrong_issuer,    // token_wrong_issuer
  wrong_audience,  // token_wrong_audience
  not_yet_valid,   // token_not_yet_valid (issued in the future)
  bad_time,        // token_bad_time (iat/exp negative, past year 9999, or exp before iat)
};
Code code(TokenError e);
std::string_view message(TokenError e);

struct JwtOptions {
  std::string issuer = "arena";
  std::string audience = "arena";
  std::int64_t ttl_seconds = 900;
  std::int64_t leeway_seconds = 5;
};

class Jwt {
 public:
  Jwt(KeyRing keys, JwtOptions options);
  ~Jwt();

  std::string issue(std::string_view sub, std::string_view sid, std::int64_t now) const;
  struct Result {
    TokenError error = TokenError::none;
    Claims claims;
  };
  Result verify(std::string_view token, std::int64_t now) const;
  const JwtOptions& options() const { return options_; }

 private:
  KeyRing keys_;
  JwtOptions options_;
  std::string active_header_;                                   // base64url of the header we sign with
  std::map<std::string, std::string, std::less<>> header_kid_;  // our encoded headers -> kid
};

}  // namespace arena::auth
