#pragma once
// Password hashing with argon2id (libsodium). Hashes are self-describing strings, so raising
// the cost later rehashes each password at its next successful login.
#include <cstddef>
#include <string>
#include <string_view>

namespace arena::auth {

struct PasswordCost {
  unsigned long long opslimit = 2;
  std::size_t memlimit = std::size_t{64} * 1024 * 1024;
};

class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordCost cost);
  std::string hash(std::string_view password) const;
  bool verify(std::string_view hash, std::string_view password) const;
  bool needs_rehash(std::string_view hash) const;
  // Spends the same effort as a verify, for logins of unknown accounts (no timing oracle).
  void burn(std::string_view password) const;

 private:
  PasswordCost cost_;
  std::string dummy_hash_;
};

}  // namespace arena::auth
