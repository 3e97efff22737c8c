#pragma once
#include <string>

namespace arena::testing {

// An HS256 JWT over the given header and payload JSON, signed with `secret` by OpenSSL's own
// HMAC: an independent signer, to forge tokens the way an attacker or another library would.
std::string forge_hs256(const std::string& header_json, const std::string& payload_json, const std::string& secret);

}  // namespace arena::testing
