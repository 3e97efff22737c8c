#include "arena/auth/postgres_store.hpp"

#include <unordered_set>

namespace arena::auth {
namespace sql {
// The catalogue of statements this store runs (PostgreSQL's $n parameters).
constexpr std::string_view kInsertAccount =
    "INSERT INTO accounts(id, kind, display_name, email, password_hash, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $6)";
constexpr std::string_view kSelectById =
    "SELECT id, kind, display_name, email, disabled, created_at, updated_at FROM accounts WHERE id = $1";
constexpr std::string_view kSelectByEmail =
    "SELECT id, kind, display_name, email, disabled, created_at, updated_at, password_hash FROM accounts"
    " WHERE email = $1";
// Devices' logins that may be their first, coalesced (PostgresAuthStore::device_account_logins):
// each device's bound account, or a new account and its binding when none is, and the login's
// family and first token unless the account is disabled, for a whole batch in one statement. A
// device bound by a concurrent transaction meanwhile has no row (its binding's conflict waited for
// that commit): the caller rolls back (the account made for it with it) and runs the batch again.
constexpr std::string_view kDeviceAccountLogins =
    "WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]::bigint[], $5::text[], $6::text[],"
    " $7::text[]::bigint[], $8::text[]::bigint[]) WITH ORDINALITY AS i(device_id, account_id, display_name, created,"
    " family_id, token_hash, now, expires_at, n)),"
    " old AS (SELECT i.n, a.id, a.kind, a.display_name, a.email, a.disabled, a.created_at, a.updated_at,"
    " false AS created FROM i CROSS JOIN LATERAL (SELECT a.* FROM devices d JOIN accounts a ON a.id = d.account_id"
    " WHERE d.device_id = i.device_id LIMIT 1) AS a),"
    " acc AS (INSERT INTO accounts(id, kind, display_name, email, password_hash, created_at, updated_at)"
    " SELECT account_id, 'device', display_name, NULL, NULL, created, created FROM i"
    " WHERE NOT EXISTS (SELECT 1 FROM old WHERE old.n = i.n) RETURNING id),"
    " bound AS (INSERT INTO devices(device_id, account_id, created_at) SELECT i.device_id, i.account_id, i.created"
    " FROM i JOIN acc ON acc.id = i.account_id ON CONFLICT (device_id) DO NOTHING RETURNING account_id),"
    " got AS (SELECT * FROM old UNION ALL SELECT i.n, i.account_id, 'device', i.display_name, NULL, false,"
    " i.created, i.created, true FROM i JOIN bound ON bound.account_id = i.account_id),"
    " f AS (INSERT INTO token_families(id, account_id, created_at) SELECT i.family_id, got.id, i.now"
    " FROM got JOIN i ON i.n = got.n WHERE NOT got.disabled RETURNING id),"
    " t AS (INSERT INTO refresh_tokens(token_hash, family_id, created_at, expires_at)"
    " SELECT i.token_hash, f.id, i.now, i.expires_at FROM f JOIN i ON i.family_id = f.id)"
    " SELECT id, kind, display_name, email, disabled, created_at, updated_at, n, created FROM got";
// Returning devices' logins coalesced (PostgresAuthStore::device_logins): each device's account,
// and its login's family and first token when the account is enabled, for a whole batch in one
// statement. `n` says which login each row answers; a device without a binding has no row. Each
// device is looked up by its key (LATERAL ... LIMIT 1 keeps the planner from hashing the whole
// devices table for an array it cannot size: 1.3 ms a batch with 26k devices before).
constexpr std::string_view kDeviceLogins =
    "WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]::bigint[], $5::text[]::bigint[])"
    " WITH ORDINALITY AS i(device_id, family_id, token_hash, now, expires_at, n)),"
    " acc AS (SELECT i.n, i.family_id, i.token_hash, i.now, i.expires_at, a.id, a.kind, a.display_name, a.email,"
    " a.disabled, a.created_at, a.updated_at FROM i CROSS JOIN LATERAL (SELECT a.* FROM devices d"
    " JOIN accounts a ON a.id = d.account_id WHERE d.device_id = i.device_id LIMIT 1) AS a),"
    " f AS (INSERT INTO token_families(id, account_id, created_at) SELECT family_id, id, now FROM acc"
    " WHERE NOT disabled RETURNING id),"
    " t AS (INSERT INTO refresh_tokens(token_hash, family_id, created_at, expires_at)"
    " SELECT acc.token_hash, f.id, acc.now, acc.expires_at FROM f JOIN acc ON acc.family_id = f.id)"
    " SELECT id, kind, display_name, email, disabled, created_at, updated_at, n FROM acc";
// Guests' logins coalesced (PostgresAuthStore::guest_logins): each new account with its login's
// family and first token, for a whole batch in one statement. The foreign keys are checked at
// the statement's end, when the accounts and families it inserted are there.
constexpr std::string_view kGuestLogins =
    "WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]::bigint[], $4::text[], $5::text[],"
    " $6::text[]::bigint[], $7::text[]::bigint[]) AS i(id, display_name, created, family_id, token_hash, now,"
    " expires_at)),"
    " a AS (INSERT INTO accounts(id, kind, display_name, email, password_hash, created_at, updated_at)"
    " SELECT id, 'guest', display_name, NULL, NULL, created, created FROM i),"
    " f AS (INSERT INTO token_families(id, account_id, created_at) SELECT family_id, id, now FROM i)"
    " INSERT INTO refresh_tokens(token_hash, family_id, created_at, expires_at)"
    " SELECT token_hash, family_id, now, expires_at FROM i";
constexpr std::string_view kUpdateName =
    "UPDATE accounts SET display_name = $1, updated_at = $2 WHERE id = $3"
    " RETURNING id, kind, display_name, email, disabled, created_at, updated_at";
constexpr std::string_view kUpdateHash = "UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3";
// A login's family and first token in one statement.
constexpr std::string_view kStartFamily =
    "WITH f AS (INSERT INTO token_families(id, account_id, created_at) VALUES ($1, $2, $4) RETURNING id)"
    " INSERT INTO refresh_tokens(token_hash, family_id, created_at, expires_at) SELECT $3, id, $4, $5 FROM f";
constexpr std::string_view kInsertToken =
    "INSERT INTO refresh_tokens(token_hash, family_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
// The token's row is locked: two rotations of one token run one after the other, and the
// second finds it rotated (reuse).
constexpr std::string_view kSelectTokenForUpdate =
    "SELECT t.family_id, t.expires_at, t.rotated_at, f.account_id, f.revoked_at"
    " FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id WHERE t.token_hash = $1 FOR UPDATE OF t";
constexpr std::string_view kMarkRotated =
    "UPDATE refresh_tokens SET rotated_at = $1 WHERE token_hash = $2 AND rotated_at IS NULL";
constexpr std::string_view kRevokeFamily =
    "UPDATE token_families SET revoked_at = $1, revoke_reason = $2 WHERE id = $3 AND revoked_at IS NULL";
constexpr std::string_view kFamilyOf = "SELECT family_id FROM refresh_tokens WHERE token_hash = $1";
constexpr std::string_view kRevokedSince = "SELECT id FROM token_families WHERE revoked_at >= $1";
constexpr std::string_view kDeleteExpired = "DELETE FROM refresh_tokens WHERE expires_at < $1";
}  // namespace sql

namespace {
Account read_account(const storage::PgResult& r, int row = 0) {
  return {r.text(row, 0),    r.text(row, 1),  r.text(row, 2), r.optional_text(row, 3),
          r.boolean(row, 4), r.int64(row, 5), r.int64(row, 6)};
}

Account from_new(const NewAccount& a) {
  return {a.id, a.kind, a.display_name, a.email, false, a.now, a.now};
}

// A batch's login families as the statements take them: four arrays, in the batch's order.
struct FamilyArrays {
  std::vector<std::string> ids, hashes, nows, expiries;
  void add(const NewFamily& f) {
    ids.push_back(f.family_id);
    hashes.push_back(f.token_hash);
    nows.push_back(std::to_string(f.now));
    expiries.push_back(std::to_string(f.expires_at));
  }
};

}  // namespace

std::optional<Account> PostgresAuthStore::create(const NewAccount& a) {
  try {  // one statement: atomic without a transaction around it
    pool_.with([&](storage::Pg& c) {
      c.query(sql::kInsertAccount, a.id, a.kind, a.display_name, a.email, a.password_hash, a.now);
    });
  } catch (const storage::PgError& e) {
    if (e.is_unique_violation() && a.email) return std::nullopt;  // email taken
    throw;
  }
  return from_new(a);
}

PostgresAuthStore::PostgresAuthStore(storage::PgPool& pool)
    : pool_(pool),
      device_logins_(
          kLoginBatch, kLoginBatches, [this](const std::vector<DeviceLogin>& b) { return device_logins(b); },
          [this] { return pool_.held_here(); }),
      guest_logins_(
          kLoginBatch, kLoginBatches, [this](const std::vector<GuestLogin>& b) { return guest_logins(b); },
          [this] { return pool_.held_here(); }),
      device_account_logins_(
          kLoginBatch, kLoginBatches,
          [this](const std::vector<DeviceAccountLogin>& b) { return device_account_logins(b); },
          [this] { return pool_.held_here(); }) {}

Account PostgresAuthStore::guest_login(const NewAccount& account, const NewFamily& family) {
  if (account.kind != "guest" || account.email) throw std::invalid_argument("guest_login: a guest has no email");
  return guest_logins_.call({account, family});
}

std::vector<Account> PostgresAuthStore::guest_logins(const std::vector<GuestLogin>& batch) {
  std::vector<std::string> ids, names, created;
  FamilyArrays f;
  for (const auto& [account, family] : batch) {
    ids.push_back(account.id);
    names.push_back(account.display_name);
    created.push_back(std::to_string(account.now));
    f.add(family);
  }
  pool_.with([&](storage::Pg& c) {
    c.query(sql::kGuestLogins, storage::text_array(ids), storage::text_array(names), storage::text_array(created),
            storage::text_array(f.ids), storage::text_array(f.hashes), storage::text_array(f.nows),
            storage::text_array(f.expiries));
  });
  std::vector<Account> out;
  out.reserve(batch.size());
  for (const auto& [account, family] : batch) out.push_back(from_new(account));
  return out;
}

std::optional<Account> PostgresAuthStore::device_login(const std::string& device_id, const NewFamily& family) {
  return device_logins_.call({device_id, family});
}

std::vector<std::optional<Account>> PostgresAuthStore::device_logins(const std::vector<DeviceLogin>& batch) {
  std::vector<std::string> devices;
  FamilyArrays f;
  for (const auto& [device_id, family] : batch) {
    devices.push_back(device_id);
    f.add(family);
  }
  std::vector<std::optional<Account>> out(batch.size());
  pool_.with([&](storage::Pg& c) {
    auto r = c.query(sql::kDeviceLogins, storage::text_array(devices), storage::text_array(f.ids),
                     storage::text_array(f.hashes), storage::text_array(f.nows), storage::text_array(f.expiries));
    for (int row = 0; row < r.rows(); ++row)
      out.at(static_cast<std::size_t>(r.int64(row, 7) - 1)) = read_account(r, row);
  });
  return out;
}

AccountStore::DeviceAccount PostgresAuthStore::device_account_login(const std::string& device_id,
                                                                    const NewAccount& fresh, const NewFamily& family) {
  return device_account_logins_.call({device_id, fresh, family});
}

std::vector<AccountStore::DeviceAccount> PostgresAuthStore::device_account_logins(
    const std::vector<DeviceAccountLogin>& batch) {
  // A device twice in the batch: the statement takes its first login; the others log in to the
  // account it leads to after, as returning devices (one more statement, not through the batches).
  std::vector<std::size_t> first, again;
  std::unordered_set<std::string_view> seen;
  for (std::size_t k = 0; k < batch.size(); ++k) (seen.insert(batch[k].device_id).second ? first : again).push_back(k);
  std::vector<std::string> devices, ids, names, created;
  FamilyArrays f;
  for (const auto k : first) {
    const auto& [device_id, fresh, family] = batch[k];
    devices.push_back(device_id);
    ids.push_back(fresh.id);
    names.push_back(fresh.display_name);
    created.push_back(std::to_string(fresh.now));
    f.add(family);
  }
  std::vector<DeviceAccount> out(batch.size());
  pool_.transaction([&](storage::Pg& c) {
    auto r = c.query(sql::kDeviceAccountLogins, storage::text_array(devices), storage::text_array(ids),
                     storage::text_array(names), storage::text_array(created), storage::text_array(f.ids),
                     storage::text_array(f.hashes), storage::text_array(f.nows), storage::text_array(f.expiries));
    if (static_cast<std::size_t>(r.rows()) != first.size())  // rolled back and run again: see the statement
      throw storage::PgError(storage::PgError::Kind::query, "40001", "postgres: a device bound concurrently; retry");
    for (int row = 0; row < r.rows(); ++row)
      out.at(first.at(static_cast<std::size_t>(r.int64(row, 7) - 1))) = {read_account(r, row), r.boolean(row, 8)};
  });
  if (again.empty()) return out;
  std::vector<DeviceLogin> returning;  // one statement for all of them
  returning.reserve(again.size());
  for (const auto k : again) returning.emplace_back(batch[k].device_id, batch[k].family);
  auto known = device_logins(returning);
  for (std::size_t i = 0; i < again.size(); ++i) {
    if (!known[i]) throw std::logic_error("a device bound in this batch has no account");
    out[again[i]] = {std::move(*known[i]), false};
  }
  return out;
}

std::optional<AccountStore::WithHash> PostgresAuthStore::find_by_email(const std::string& email) {
  return pool_.with([&](storage::Pg& c) -> std::optional<WithHash> {
    auto r = c.query(sql::kSelectByEmail, email);
    if (r.rows() == 0) return std::nullopt;
    return WithHash{read_account(r), r.text(0, 7)};
  });
}

std::optional<Account> PostgresAuthStore::find(const std::string& id) {
  return pool_.with([&](storage::Pg& c) -> std::optional<Account> {
    auto r = c.query(sql::kSelectById, id);
    if (r.rows() == 0) return std::nullopt;
    return read_account(r);
  });
}

std::map<std::string, std::string> PostgresAuthStore::display_names(const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  if (ids.empty()) return out;
  std::string list;  // one round trip for a page of a board
  storage::PgParams params;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    list += (i == 0 ? "$" : ", $") + std::to_string(i + 1);
    params.push(ids[i]);
  }
  const auto r = pool_.with([&](storage::Pg& c) {
    return c.run("SELECT id, display_name FROM accounts WHERE id IN (" + list + ")", params);
  });
  for (int i = 0; i < r.rows(); ++i) out[r.text(i, 0)] = r.text(i, 1);
  return out;
}

std::optional<Account> PostgresAuthStore::set_display_name(const std::string& id, const std::string& name,
                                                           std::int64_t now) {
  return pool_.with([&](storage::Pg& c) -> std::optional<Account> {
    auto r = c.query(sql::kUpdateName, name, now, id);
    if (r.rows() == 0) return std::nullopt;
    return read_account(r);
  });
}

void PostgresAuthStore::set_password_hash(const std::string& id, const std::string& hash, std::int64_t now) {
  pool_.with([&](storage::Pg& c) { c.query(sql::kUpdateHash, hash, now, id); });
}

void PostgresAuthStore::start_family(const std::string& family_id, const std::string& account_id,
                                     const std::string& token_hash, std::int64_t now, std::int64_t expires_at) {
  pool_.with([&](storage::Pg& c) { c.query(sql::kStartFamily, family_id, account_id, token_hash, now, expires_at); });
}

RotateResult PostgresAuthStore::rotate(const std::string& old_hash, const std::string& new_hash, std::int64_t now,
                                       std::int64_t expires_at) {
  return pool_.transaction([&](storage::Pg& c) {
    RotateResult out;
    auto r = c.query(sql::kSelectTokenForUpdate, old_hash);
    if (r.rows() == 0) return out;  // unknown
    out.family_id = r.text(0, 0);
    out.account_id = r.text(0, 3);
    out.status = rotation_outcome({r.int64(0, 1), !r.is_null(0, 2), !r.is_null(0, 4)}, now);
    if (out.status == RotateStatus::reused) {
      c.query(sql::kRevokeFamily, now, "refresh_token_reused", out.family_id);
    } else if (out.status == RotateStatus::rotated) {
      c.query(sql::kMarkRotated, now, old_hash);
      c.query(sql::kInsertToken, new_hash, out.family_id, now, expires_at);
    }
    return out;
  });
}

std::optional<std::string> PostgresAuthStore::family_of(const std::string& token_hash) {
  return pool_.with([&](storage::Pg& c) -> std::optional<std::string> {
    auto r = c.query(sql::kFamilyOf, token_hash);
    if (r.rows() == 0) return std::nullopt;
    return r.text(0, 0);
  });
}

bool PostgresAuthStore::revoke_family(const std::string& family_id, const std::string& reason, std::int64_t now) {
  return pool_.with([&](storage::Pg& c) { return c.query(sql::kRevokeFamily, now, reason, family_id).affected() > 0; });
}

std::vector<std::string> PostgresAuthStore::revoked_since(std::int64_t since) {
  return pool_.with([&](storage::Pg& c) {
    std::vector<std::string> out;
    auto r = c.query(sql::kRevokedSince, since);
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
    return out;
  });
}

int PostgresAuthStore::delete_expired(std::int64_t now) {
  return pool_.with([&](storage::Pg& c) { return c.query(sql::kDeleteExpired, now).affected(); });
}

bool PostgresAuthStore::ping() {
  return pool_.with([&](storage::Pg& c) { return c.query("SELECT 1").rows() == 1; });
}

}  // namespace arena::auth
