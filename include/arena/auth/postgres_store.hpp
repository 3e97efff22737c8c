#pragma once
// The login service's stores on PostgreSQL (cluster mode): the same contract as SqliteAuthStore,
// checked by the same conformance suite (src/auth/store_conformance.cpp). Every call blocks on
// the pool: the login service runs it on the storage pool.
#include "arena/auth/store.hpp"
#include "arena/core/coalescer.hpp"
#include "arena/storage/postgres.hpp"

namespace arena::auth {

class PostgresAuthStore final : public AccountStore, public TokenStore {
 public:
  explicit PostgresAuthStore(storage::PgPool& pool);

  std::optional<Account> create(const NewAccount& account) override;
  DeviceAccount device_account_login(const std::string& device_id, const NewAccount& fresh,
                                     const NewFamily& family) override;
  std::optional<Account> device_login(const std::string& device_id, const NewFamily& family) override;
  Account guest_login(const NewAccount& account, const NewFamily& family) override;
  std::optional<WithHash> find_by_email(const std::string& email) override;
  std::optional<Account> find(const std::string& id) override;
  std::map<std::string, std::string> display_names(const std::vector<std::string>& ids) override;
  std::optional<Account> set_display_name(const std::string& id, const std::string& name, std::int64_t now) override;
  void set_password_hash(const std::string& id, const std::string& hash, std::int64_t now) override;

  void start_family(const std::string& family_id, const std::string& account_id, const std::string& token_hash,
                    std::int64_t now, std::int64_t expires_at) override;
  RotateResult rotate(const std::string& old_hash, const std::string& new_hash, std::int64_t now,
                      std::int64_t expires_at) override;
  std::optional<std::string> family_of(const std::string& token_hash) override;
  bool revoke_family(const std::string& family_id, const std::string& reason, std::int64_t now) override;
  std::vector<std::string> revoked_since(std::int64_t since) override;
  int delete_expired(std::int64_t now) override;
  bool ping() override;

 private:
  // Device and guest logins that arrive while a batch runs go together in the next (one
  // statement, one commit): PostgreSQL's cost per statement is then paid once per batch. A call
  // made inside a transaction of the pool runs alone in it (a batch would pull other callers'
  // logins into that transaction): the coalescers' `alone`.
  using DeviceLogin = std::pair<std::string, NewFamily>;
  static constexpr std::size_t kLoginBatch = 64;
  static constexpr std::size_t kLoginBatches = 2;  // at once
  std::vector<std::optional<Account>> device_logins(const std::vector<DeviceLogin>& batch);
  using GuestLogin = std::pair<NewAccount, NewFamily>;
  std::vector<Account> guest_logins(const std::vector<GuestLogin>& batch);
  struct DeviceAccountLogin {
    std::string device_id;
    NewAccount fresh;
    NewFamily family;
  };
  std::vector<DeviceAccount> device_account_logins(const std::vector<DeviceAccountLogin>& batch);

  storage::PgPool& pool_;
  core::Coalescer<DeviceLogin, std::optional<Account>> device_logins_;
  core::Coalescer<GuestLogin, Account> guest_logins_;
  core::Coalescer<DeviceAccountLogin, DeviceAccount> device_account_logins_;
};

}  // namespace arena::auth
