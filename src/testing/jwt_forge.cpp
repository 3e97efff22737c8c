#include "arena/testing/jwt_forge.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "arena/core/encoding.hpp"

namespace arena::testing {

std::string forge_hs256(const std::string& header_json, const std::string& payload_json, const std::string& secret) {
  std::string signing = core::base64url_encode(header_json) + "." + core::base64url_encode(payload_json);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signing.data()), signing.size(), mac, &len);
  return signing + "." + core::base64url_encode({mac, len});
}

}  // namespace arena::testing
