#include "arena/auth/sqlite_store.hpp"

namespace arena::auth {
namespace sql {
// The catalogue of statements this store runs.
constexpr std::string_view kInsertAccount =
    "INSERT INTO accounts(id, kind, display_name, email, password_hash, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kSelectById =
    "SELECT id, kind, display_name, email, disabled, created_at, updated_at FROM accounts WHERE id = ?";
constexpr std::string_view kSelectByEmail =
    "SELECT id, kind, display_name, email, disabled, created_at, updated_at, password_hash FROM accounts"
    " WHERE email = ?";
constexpr std::string_view kSelectDevice =
    "SELECT a.id, a.kind, a.display_name, a.email, a.disabled, a.created_at, a.updated_at"
    " FROM devices d JOIN accounts a ON a.id = d.account_id WHERE d.device_id = ?";
constexpr std::string_view kInsertDevice = "INSERT INTO devices(device_id, account_id, created_at) VALUES (?, ?, ?)";
constexpr std::string_view kUpdateName = "UPDATE accounts SET display_name = ?, updated_at = ? WHERE id = ?";
constexpr std::string_view kUpdateHash = "UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?";
constexpr std::string_view kInsertFamily = "INSERT INTO token_families(id, account_id, created_at) VALUES (?, ?, ?)";
constexpr std::string_view kInsertToken =
    "INSERT INTO refresh_tokens(token_hash, family_id, created_at, expires_at) VALUES (?, ?, ?, ?)";
constexpr std::string_view kSelectToken =
    "SELECT t.family_id, t.expires_at, t.rotated_at, f.account_id, f.revoked_at"
    " FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id WHERE t.token_hash = ?";
constexpr std::string_view kMarkRotated =
    "UPDATE refresh_tokens SET rotated_at = ? WHERE token_hash = ? AND rotated_at IS NULL";
constexpr std::string_view kRevokeFamily =
    "UPDATE token_families SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL";
constexpr std::string_view kFamilyOf = "SELECT family_id FROM refresh_tokens WHERE token_hash = ?";
constexpr std::string_view kRevokedSince = "SELECT id FROM token_families WHERE revoked_at >= ?";
}  // namespace sql

RotateStatus rotation_outcome(const TokenState& token, std::int64_t now) {
  if (token.family_revoked) return RotateStatus::revoked;
  if (token.rotated) return RotateStatus::reused;
  if (token.expires_at <= now) return RotateStatus::expired;
  return RotateStatus::rotated;
}

namespace {
Account read_account(const storage::Statement& st) {
  return {st.text(0), st.text(1), st.text(2), st.optional_text(3), st.int64(4) != 0, st.int64(5), st.int64(6)};
}

void insert_account(storage::Sqlite& c, const NewAccount& a) {
  c.prepare(sql::kInsertAccount).bind(a.id, a.kind, a.display_name, a.email, a.password_hash, a.now, a.now).exec();
}

Account from_new(const NewAccount& a) {
  return {a.id, a.kind, a.display_name, a.email, false, a.now, a.now};
}
}  // namespace

std::optional<Account> SqliteAuthStore::create(const NewAccount& account) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<Account> {
    try {
      insert_account(c, account);
    } catch (const storage::SqliteError& e) {
      if (e.is_constraint() && account.email) return std::nullopt;  // email taken
      throw;
    }
    return from_new(account);
  });
}

Account SqliteAuthStore::guest_login(const NewAccount& account, const NewFamily& family) {
  return db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    insert_account(c, account);
    c.prepare(sql::kInsertFamily).bind(family.family_id, account.id, family.now).exec();
    c.prepare(sql::kInsertToken).bind(family.token_hash, family.family_id, family.now, family.expires_at).exec();
    tx.commit();
    return from_new(account);
  });
}

AccountStore::DeviceAccount SqliteAuthStore::device_account_login(const std::string& device_id, const NewAccount& fresh,
                                                                  const NewFamily& family) {
  return db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);  // one writer: no other login binds the device meanwhile
    DeviceAccount out;
    auto& sel = c.prepare(sql::kSelectDevice).bind(device_id);
    if (sel.step()) {
      out.account = read_account(sel);
      sel.reset_if_busy();
    } else {
      sel.reset_if_busy();
      insert_account(c, fresh);
      c.prepare(sql::kInsertDevice).bind(device_id, fresh.id, fresh.now).exec();
      out = {from_new(fresh), true};
    }
    if (!out.account.disabled) {
      c.prepare(sql::kInsertFamily).bind(family.family_id, out.account.id, family.now).exec();
      c.prepare(sql::kInsertToken).bind(family.token_hash, family.family_id, family.now, family.expires_at).exec();
    }
    tx.commit();
    return out;
  });
}

std::optional<Account> SqliteAuthStore::device_login(const std::string& device_id, const NewFamily& family) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<Account> {
    storage::Transaction tx(c);
    auto& sel = c.prepare(sql::kSelectDevice).bind(device_id);
    if (!sel.step()) return std::nullopt;
    auto account = read_account(sel);
    sel.reset_if_busy();
    if (!account.disabled) {
      c.prepare(sql::kInsertFamily).bind(family.family_id, account.id, family.now).exec();
      c.prepare(sql::kInsertToken).bind(family.token_hash, family.family_id, family.now, family.expires_at).exec();
    }
    tx.commit();
    return account;
  });
}

std::optional<AccountStore::WithHash> SqliteAuthStore::find_by_email(const std::string& email) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<WithHash> {
    auto& st = c.prepare(sql::kSelectByEmail).bind(email);
    if (!st.step()) return std::nullopt;
    return WithHash{read_account(st), st.text(7)};
  });
}

std::optional<Account> SqliteAuthStore::find(const std::string& id) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<Account> {
    auto& st = c.prepare(sql::kSelectById).bind(id);
    if (!st.step()) return std::nullopt;
    return read_account(st);
  });
}

std::map<std::string, std::string> SqliteAuthStore::display_names(const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare("SELECT display_name FROM accounts WHERE id = ?");
    for (const auto& id : ids) {
      st.bind(id);
      if (st.step()) out[id] = st.text(0);
    }
  });
  return out;
}

std::optional<Account> SqliteAuthStore::set_display_name(const std::string& id, const std::string& name,
                                                         std::int64_t now) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<Account> {
    if (c.prepare(sql::kUpdateName).bind(name, now, id).exec() == 0) return std::nullopt;
    auto& st = c.prepare(sql::kSelectById).bind(id);
    if (!st.step()) return std::nullopt;
    return read_account(st);
  });
}

void SqliteAuthStore::set_password_hash(const std::string& id, const std::string& hash, std::int64_t now) {
  db_.with([&](storage::Sqlite& c) { c.prepare(sql::kUpdateHash).bind(hash, now, id).exec(); });
}

void SqliteAuthStore::start_family(const std::string& family_id, const std::string& account_id,
                                   const std::string& token_hash, std::int64_t now, std::int64_t expires_at) {
  db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    c.prepare(sql::kInsertFamily).bind(family_id, account_id, now).exec();
    c.prepare(sql::kInsertToken).bind(token_hash, family_id, now, expires_at).exec();
    tx.commit();
  });
}

RotateResult SqliteAuthStore::rotate(const std::string& old_hash, const std::string& new_hash, std::int64_t now,
                                     std::int64_t expires_at) {
  return db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    RotateResult r;
    auto& st = c.prepare(sql::kSelectToken).bind(old_hash);
    if (!st.step()) return r;  // unknown
    r.family_id = st.text(0);
    r.account_id = st.text(3);
    r.status = rotation_outcome({st.int64(1), !st.is_null(2), !st.is_null(4)}, now);
    st.reset_if_busy();
    if (r.status == RotateStatus::reused) {
      c.prepare(sql::kRevokeFamily).bind(now, "refresh_token_reused", r.family_id).exec();
    } else if (r.status == RotateStatus::rotated) {
      c.prepare(sql::kMarkRotated).bind(now, old_hash).exec();
      c.prepare(sql::kInsertToken).bind(new_hash, r.family_id, now, expires_at).exec();
    }
    tx.commit();
    return r;
  });
}

std::optional<std::string> SqliteAuthStore::family_of(const std::string& token_hash) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<std::string> {
    auto& st = c.prepare(sql::kFamilyOf).bind(token_hash);
    if (!st.step()) return std::nullopt;
    return st.text(0);
  });
}

bool SqliteAuthStore::revoke_family(const std::string& family_id, const std::string& reason, std::int64_t now) {
  return db_.with(
      [&](storage::Sqlite& c) { return c.prepare(sql::kRevokeFamily).bind(now, reason, family_id).exec() > 0; });
}

std::vector<std::string> SqliteAuthStore::revoked_since(std::int64_t since) {
  return db_.with([&](storage::Sqlite& c) {
    std::vector<std::string> out;
    auto& st = c.prepare(sql::kRevokedSince).bind(since);
    while (st.step()) out.push_back(st.text(0));
    return out;
  });
}

int SqliteAuthStore::delete_expired(std::int64_t now) {
  return db_.with([&](storage::Sqlite& c) {
    // An expired token is refused either way; once it is gone it reads as unknown.
    return c.prepare("DELETE FROM refresh_tokens WHERE expires_at < ?").bind(now).exec();
  });
}

bool SqliteAuthStore::ping() {
  return db_.with([&](storage::Sqlite& c) { return c.prepare("SELECT 1").bind().step(); });
}

}  // namespace arena::auth
