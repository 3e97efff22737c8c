#pragma once
#include "arena/auth/store.hpp"
#include "arena/storage/sqlite.hpp"

namespace arena::auth {

class SqliteAuthStore final : public AccountStore, public TokenStore {
 public:
  explicit SqliteAuthStore(storage::Sqlite& db) : db_(db) {}

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
  storage::Sqlite& db_;
};

}  // namespace arena::auth
