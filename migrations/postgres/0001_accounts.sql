-- Accounts and the credentials that lead to them (PostgreSQL; the same shape as
-- migrations/sqlite/0001_accounts.sql). Times are unix seconds as in SQLite, so stores read both
-- back ends alike.
CREATE TABLE accounts (
  id            TEXT PRIMARY KEY,              -- UUIDv7 (time-ordered)
  kind          TEXT NOT NULL CHECK (kind IN ('guest', 'device', 'password')),
  display_name  TEXT NOT NULL,
  email         TEXT UNIQUE,                   -- lower-cased; password accounts only
  password_hash TEXT,                          -- argon2id, libsodium string format
  disabled      BOOLEAN NOT NULL DEFAULT false,
  created_at    BIGINT NOT NULL,               -- unix seconds
  updated_at    BIGINT NOT NULL
);

CREATE TABLE devices (
  device_id  TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL
);
CREATE INDEX devices_account ON devices(account_id);

-- A family is one login: every refresh token rotated from it shares the family id, which is
-- also the access token's `sid`. Revoking the family ends the login everywhere.
CREATE TABLE token_families (
  id            TEXT PRIMARY KEY,
  account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at    BIGINT NOT NULL,
  revoked_at    BIGINT,
  revoke_reason TEXT
);
CREATE INDEX token_families_account ON token_families(account_id);
CREATE INDEX token_families_revoked ON token_families(revoked_at) WHERE revoked_at IS NOT NULL;

-- Refresh tokens are stored only as SHA-256 hashes (they are 256-bit random, so a fast hash suffices).
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  family_id  TEXT NOT NULL REFERENCES token_families(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  rotated_at BIGINT                            -- set when exchanged; presenting it again is reuse
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens(expires_at);
