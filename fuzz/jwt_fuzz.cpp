// Access tokens: any bytes as a token; and any header and payload JSON signed with a key of
// the ring, so the claim checks (times, issuer, audience) see hostile values behind a valid
// signature. Also the key-ring spec parser.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "arena/auth/jwt.hpp"
#include "arena/core/encoding.hpp"
#include "auth/hmac.hpp"

namespace {
const std::string kSecret = "fuzz-secret-0123456789abcdefghijklmn";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace arena::auth;
  static const Jwt jwt(KeyRing::parse("k1:" + arena::core::base64url_encode(kSecret)), JwtOptions{});
  static const HmacKey key(kSecret);
  FuzzedDataProvider in(data, size);
  const int mode = in.ConsumeIntegralInRange(0, 2);
  const std::int64_t now = in.ConsumeIntegral<std::int64_t>();
  if (mode == 0) {
    (void)jwt.verify(in.ConsumeRemainingBytesAsString(), now);
  } else if (mode == 1) {
    const std::string header =
        in.ConsumeBool() ? std::string(R"({"alg":"HS256","kid":"k1"})") : in.ConsumeRandomLengthString(256);
    const std::string payload = in.ConsumeRemainingBytesAsString();
    std::string token = arena::core::base64url_encode(header) + "." + arena::core::base64url_encode(payload);
    const auto mac = key.mac(token);
    token += "." + arena::core::base64url_encode(std::span<const unsigned char>(mac));
    const auto r = jwt.verify(token, now);
    if (r.error == TokenError::none && (r.claims.exp < r.claims.iat || r.claims.sub.empty())) __builtin_trap();
  } else {
    try {
      (void)KeyRing::parse(in.ConsumeRemainingBytesAsString());
    } catch (const std::invalid_argument&) {
    }
  }
  return 0;
}
