-- fedtrust SQLite schema, version 1.
-- Table and column names match @fedtrust/adapter-pg. Instants are INTEGER milliseconds since
-- the Unix epoch (UTC) everywhere, so comparisons in SQL are exact and no text format can
-- drift. Tables are STRICT so a wrong type is an error, not a silent coercion.
-- Runs inside migrate()'s BEGIN IMMEDIATE transaction. Applied files must never change:
-- migrate() compares SHA-256 checksums and refuses to start on drift. Add a new numbered file.

CREATE TABLE peers (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  tenant_id   TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'active', 'suspended', 'revoked')),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX peers_tenant_idx ON peers (tenant_id);

CREATE TABLE grants (
  id               TEXT PRIMARY KEY,
  tenant_id        TEXT NOT NULL,
  peer_id          TEXT NOT NULL REFERENCES peers (id),
  subject_user_id  TEXT NOT NULL,
  scope            TEXT NOT NULL CHECK (json_valid(scope)),
  status           TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
  created_at       INTEGER NOT NULL,
  activated_at     INTEGER,
  revoked_at       INTEGER,
  expires_at       INTEGER
) STRICT;
CREATE INDEX grants_tenant_idx ON grants (tenant_id);
CREATE INDEX grants_peer_idx ON grants (peer_id);

CREATE TABLE certificate_bindings (
  serial      TEXT PRIMARY KEY,
  peer_id     TEXT NOT NULL,
  grant_id    TEXT NOT NULL,
  not_before  INTEGER NOT NULL,
  not_after   INTEGER NOT NULL,
  revoked_at  INTEGER
) STRICT;
CREATE INDEX certificate_bindings_peer_idx ON certificate_bindings (peer_id);

-- Only the SHA-256 hash of an enrollment token is stored, never the token.
CREATE TABLE enrollment_tokens (
  token_hash  TEXT PRIMARY KEY,
  prefix      TEXT NOT NULL,
  grant_id    TEXT NOT NULL,
  peer_id     TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
) STRICT;

-- Only the SHA-256 hash of a provider token is stored, never the token.
CREATE TABLE provider_tokens (
  id            TEXT PRIMARY KEY,
  provider_id   TEXT NOT NULL,
  token_hash    TEXT NOT NULL,
  prefix        TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER,
  revoked_at    INTEGER
) STRICT;
-- At most one active token per provider: the database, not a pre-check, is the final word.
CREATE UNIQUE INDEX provider_tokens_one_active ON provider_tokens (provider_id) WHERE revoked_at IS NULL;
CREATE INDEX provider_tokens_created_idx ON provider_tokens (created_at DESC);

-- `event` holds the exact canonical JSON that was hashed, so verification recomputes the
-- same bytes; `occurred_at` is the event time, copied out for the time index.
CREATE TABLE audit_events (
  chain_id     TEXT NOT NULL,
  seq          INTEGER NOT NULL CHECK (seq >= 1),
  prev_hash    TEXT NOT NULL,
  hash         TEXT NOT NULL,
  event        TEXT NOT NULL,
  occurred_at  INTEGER NOT NULL,
  PRIMARY KEY (chain_id, seq)
) STRICT;
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at DESC);

CREATE TABLE sealed_records (
  id          TEXT PRIMARY KEY,
  key_id      TEXT NOT NULL,
  envelope    TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE pending_compensations (
  id           TEXT PRIMARY KEY,
  serial       TEXT NOT NULL,
  grant_id     TEXT NOT NULL,
  peer_id      TEXT NOT NULL,
  reason       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT,
  resolved_at  INTEGER
) STRICT;
CREATE INDEX pending_compensations_open_idx ON pending_compensations (created_at) WHERE resolved_at IS NULL;
