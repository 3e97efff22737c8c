-- Accounts and the credentials that lead to them. Tables are WITHOUT ROWID: keyed by their
-- text ids, they keep one B-tree each instead of two, which halves the pages a login writes.
CREATE TABLE accounts (
  id            TEXT PRIMARY KEY,              -- UUIDv7 (time-ordered)
  kind          TEXT NOT NULL CHECK (kind IN ('guest', 'device', 'password')),
  display_name  TEXT NOT NULL,
  email         TEXT UNIQUE,                   -- lower-cased; password accounts only
  password_hash TEXT,                          -- argon2id, libsodium string format
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,              -- unix seconds
  updated_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE devices (
  device_id  TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- A family is one login: every refresh token rotated from it shares the family id, which is
-- also the access token's `sid`. Revoking the family ends the login everywhere.
CREATE TABLE token_families (
  id            TEXT PRIMARY KEY,
  account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at    INTEGER NOT NULL,
  revoked_at    INTEGER,
  revoke_reason TEXT
) WITHOUT ROWID;
CREATE INDEX token_families_revoked ON token_families(revoked_at) WHERE revoked_at IS NOT NULL;

-- Refresh tokens are stored only as SHA-256 hashes (they are 256-bit random, so a fast hash suffices).
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  family_id  TEXT NOT NULL REFERENCES token_families(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  rotated_at INTEGER                           -- set when exchanged; presenting it again is reuse
) WITHOUT ROWID;
