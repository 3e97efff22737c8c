#pragma once
// The auth role's settings (and the token checks every process makes): the `auth.*` section of
// the settings table (src/config/fields.cpp) parses straight into this struct.
#include <chrono>
#include <cstddef>
#include <string>

namespace arena::auth {

struct Settings {
  std::string issuer = "arena";
  std::string audience = "arena";
  std::chrono::milliseconds access_ttl{15 * 60 * 1000};
  std::chrono::milliseconds refresh_ttl{30LL * 24 * 3600 * 1000};
  std::chrono::milliseconds clock_skew{5'000};
  // Key ring "kid:secret,kid:secret" (secret: base64url, >= 32 bytes). Empty: a key is generated
  // once and kept in <data_dir>/jwt.keys.
  std::string jwt_keys;
  std::string jwt_active_kid;  // signs new tokens; empty = the first key in the ring
  int argon2_opslimit = 2;
  std::size_t argon2_memlimit = std::size_t{64} * 1024 * 1024;
  // Token buckets for login/register: per client IP and per account (email).
  int ip_burst = 20;
  int ip_per_minute = 20;
  int account_burst = 10;
  int account_per_minute = 5;
};

}  // namespace arena::auth
