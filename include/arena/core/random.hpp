#pragma once
// Cryptographically secure randomness (libsodium) and the identifiers made from it.
#include <cstddef>
#include <span>
#include <string>

namespace arena::core {

void random_bytes(std::span<unsigned char> out);
// `bytes` random bytes, base64url without padding (32 bytes -> 43 characters).
std::string random_token(std::size_t bytes);
// A version 7 UUID (48-bit Unix milliseconds, a 12-bit counter, 62 random bits) in canonical
// lower-case form. Ids from one process strictly increase (also within a millisecond), so they
// order by creation; database keys made from them append instead of scattering over the index.
std::string new_uuid();
bool is_uuid(std::string_view s);

}  // namespace arena::core
