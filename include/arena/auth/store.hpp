#pragma once
// What the login service needs from durable storage. SQLite implements it in embedded mode;
// PostgreSQL implements the same interfaces for a cluster.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace arena::auth {

struct Account {
  std::string id;
  std::string kind;  // guest, device, password
  std::string display_name;
  std::optional<std::string> email;
  bool disabled = false;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct NewAccount {
  std::string id;
  std::string kind;
  std::string display_name;
  std::optional<std::string> email;
  std::optional<std::string> password_hash;
  std::int64_t now = 0;
};

// A login's token family with its first refresh token (TokenStore::start_family's arguments).
struct NewFamily {
  std::string family_id;
  std::string token_hash;
  std::int64_t now = 0;
  std::int64_t expires_at = 0;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // nullopt when the email is already taken.
  virtual std::optional<Account> create(const NewAccount& account) = 0;
  // A device's login that may be its first: the account bound to `device_id`, creating `fresh`
  // (kind "device") and the binding if none is, with `family` started for it unless the account
  // is disabled; all in one step. Logins of one new device that race get one account.
  struct DeviceAccount {
    Account account;
    bool created = false;  // `fresh` was made now
  };
  virtual DeviceAccount device_account_login(const std::string& device_id, const NewAccount& fresh,
                                             const NewFamily& family) = 0;
  // A returning device's login in one step (most device logins): the account bound to
  // `device_id`, with `family` started for it unless the account is disabled. nullopt (and
  // nothing written) when no account is bound to the device yet.
  virtual std::optional<Account> device_login(const std::string& device_id, const NewFamily& family) = 0;
  // A guest's login in one step: the new account (no email) and its login's family, both or
  // neither.
  virtual Account guest_login(const NewAccount& account, const NewFamily& family) = 0;
  struct WithHash {
    Account account;
    std::string password_hash;
  };
  virtual std::optional<WithHash> find_by_email(const std::string& email) = 0;
  virtual std::optional<Account> find(const std::string& id) = 0;
  // The display names of `ids` (accounts that do not exist are left out).
  virtual std::map<std::string, std::string> display_names(const std::vector<std::string>& ids) = 0;
  virtual std::optional<Account> set_display_name(const std::string& id, const std::string& name, std::int64_t now) = 0;
  virtual void set_password_hash(const std::string& id, const std::string& hash, std::int64_t now) = 0;
};

enum class RotateStatus { rotated, unknown, expired, reused, revoked };

// What presenting a known refresh token means, from its row: the one rule both stores apply
// (revoked family first, then reuse of a spent token, then expiry; otherwise it rotates).
struct TokenState {
  std::int64_t expires_at = 0;
  bool rotated = false;  // spent already
  bool family_revoked = false;
};
RotateStatus rotation_outcome(const TokenState& token, std::int64_t now);

struct RotateResult {
  RotateStatus status = RotateStatus::unknown;
  std::string account_id;
  std::string family_id;
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  // Starts a login: a new family with its first refresh token (stored as a hash).
  virtual void start_family(const std::string& family_id, const std::string& account_id, const std::string& token_hash,
                            std::int64_t now, std::int64_t expires_at) = 0;
  // Exchanges `old_hash` for `new_hash` atomically. Presenting a token that was already
  // exchanged revokes its whole family and reports `reused`.
  virtual RotateResult rotate(const std::string& old_hash, const std::string& new_hash, std::int64_t now,
                              std::int64_t expires_at) = 0;
  // The family a refresh token belongs to, if the token is known.
  virtual std::optional<std::string> family_of(const std::string& token_hash) = 0;
  // Revokes a family; false if it does not exist or was already revoked.
  virtual bool revoke_family(const std::string& family_id, const std::string& reason, std::int64_t now) = 0;
  // Families revoked at or after `since`, to refuse their still-unexpired access tokens.
  virtual std::vector<std::string> revoked_since(std::int64_t since) = 0;
  // Deletes refresh tokens that expired before `now` (an upkeep job); returns how many.
  virtual int delete_expired(std::int64_t now) = 0;
  virtual bool ping() = 0;
};

}  // namespace arena::auth
