#include "arena/auth/password.hpp"

#include <sodium.h>

#include <stdexcept>

#include "arena/core/random.hpp"

namespace arena::auth {

PasswordHasher::PasswordHasher(PasswordCost cost) : cost_(cost) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  if (cost_.opslimit < crypto_pwhash_OPSLIMIT_MIN || cost_.memlimit < crypto_pwhash_MEMLIMIT_MIN)
    throw std::invalid_argument("argon2id cost below libsodium's minimum");
  const std::string probe = core::random_token(16);
  dummy_hash_ = hash(probe);
}

std::string PasswordHasher::hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  // cppcheck 2.10 loses track of the caller's string behind `password` (it outlives this call).
  // cppcheck-suppress invalidLifetime
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost_.opslimit, cost_.memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("argon2id: out of memory");
  return out;
}

bool PasswordHasher::verify(std::string_view hash, std::string_view password) const {
  const std::string h(hash);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(std::string_view hash) const {
  const std::string h(hash);
  return crypto_pwhash_str_needs_rehash(h.c_str(), cost_.opslimit, cost_.memlimit) != 0;
}

void PasswordHasher::burn(std::string_view password) const {
  (void)verify(dummy_hash_, password);
}

}  // namespace arena::auth
