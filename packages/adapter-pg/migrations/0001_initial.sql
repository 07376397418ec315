-- fedtrust Postgres schema, version 1.
-- Runs inside migrate()'s transaction with search_path set to the store's schema, so
-- table names are unqualified here. Applied files must never change: migrate() compares
-- SHA-256 checksums and refuses to start on drift. Add a new numbered file instead.

CREATE TABLE peers (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  tenant_id   text NOT NULL,
  status      text NOT NULL CHECK (status IN ('pending', 'active', 'suspended', 'revoked')),
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX peers_tenant_idx ON peers (tenant_id);

CREATE TABLE grants (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL,
  peer_id          text NOT NULL REFERENCES peers (id),
  subject_user_id  text NOT NULL,
  scope            jsonb NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
  created_at       timestamptz NOT NULL,
  activated_at     timestamptz,
  revoked_at       timestamptz,
  expires_at       timestamptz
);
CREATE INDEX grants_tenant_idx ON grants (tenant_id);
CREATE INDEX grants_peer_idx ON grants (peer_id);

CREATE TABLE certificate_bindings (
  serial      text PRIMARY KEY,
  peer_id     text NOT NULL,
  grant_id    text NOT NULL,
  not_before  timestamptz NOT NULL,
  not_after   timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX certificate_bindings_peer_idx ON certificate_bindings (peer_id);

-- Only the SHA-256 hash of an enrollment token is stored, never the token.
CREATE TABLE enrollment_tokens (
  token_hash  text PRIMARY KEY,
  prefix      text NOT NULL,
  grant_id    text NOT NULL,
  peer_id     text NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);

-- Only the SHA-256 hash of a provider token is stored, never the token.
CREATE TABLE provider_tokens (
  id            text PRIMARY KEY,
  provider_id   text NOT NULL,
  token_hash    text NOT NULL,
  prefix        text NOT NULL,
  created_at    timestamptz NOT NULL,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
-- At most one active token per provider: the database, not a pre-check, is the final word.
CREATE UNIQUE INDEX provider_tokens_one_active ON provider_tokens (provider_id) WHERE revoked_at IS NULL;
CREATE INDEX provider_tokens_created_idx ON provider_tokens (created_at DESC);

-- `event` holds the exact canonical JSON that was hashed, so verification recomputes the
-- same bytes; `occurred_at` is the event time, copied out for the time index.
CREATE TABLE audit_events (
  chain_id     text NOT NULL,
  seq          bigint NOT NULL CHECK (seq >= 1),
  prev_hash    text NOT NULL,
  hash         text NOT NULL,
  event        text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  PRIMARY KEY (chain_id, seq)
);
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at DESC);

CREATE TABLE sealed_records (
  id          text PRIMARY KEY,
  key_id      text NOT NULL,
  envelope    text NOT NULL,
  updated_at  timestamptz NOT NULL
);

CREATE TABLE pending_compensations (
  id           text PRIMARY KEY,
  serial       text NOT NULL,
  grant_id     text NOT NULL,
  peer_id      text NOT NULL,
  reason       text NOT NULL,
  created_at   timestamptz NOT NULL,
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  resolved_at  timestamptz
);
CREATE INDEX pending_compensations_open_idx ON pending_compensations (created_at) WHERE resolved_at IS NULL;
