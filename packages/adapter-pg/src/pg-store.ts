/**
 * `pgStore(pool, options?)`: the `FederationStore` port on a host-owned `pg.Pool`.
 *
 * Every primitive is one statement or one transaction; state changes carry their guard in
 * the `WHERE` clause and uniqueness is left to the database's constraints, so replicas
 * sharing one database never act on a stale read.
 *
 * @module @fedtrust/adapter-pg
 */
import {
  type AuditEvent,
  type AuditRecord,
  canonicalEvent,
  GENESIS_HASH,
  type IssueResult,
  linkHash,
  type PeerStatus,
  type RedemptionResult,
  type StoredGrantStatus,
  StoreError,
  silentLogger,
} from '@fedtrust/core';
import { wrapPgError } from './errors.js';
import { applyMigrations, readMigrationStatus } from './migrate.js';
import { DEFAULT_MIGRATIONS_DIR } from './migrations-dir.js';
import {
  auditFromRow,
  bindingFromRow,
  compensationFromRow,
  enrollmentFromRow,
  grantFromRow,
  peerFromRow,
  providerTokenFromRow,
  sealedFromRow,
} from './rows.js';
import { checkSchemaName, quoteIdent } from './sql.js';
import { withTransaction } from './transaction.js';
import type { PgFederationStore, PgPool, PgStoreOptions } from './types.js';

type Row = Record<string, unknown>;

/** The partial unique index behind "at most one active token per provider". */
const ONE_ACTIVE_TOKEN_INDEX = 'provider_tokens_one_active';

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && e.constraint === constraint;
}

/**
 * Creates the Postgres store on the host's pool. The store never creates, ends or
 * reconfigures the pool (no session `SET`s leak into it); `close()` only stops this store
 * from being used. Call `migrate()` once at start-up before anything else.
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const store = pgStore(pool);
 * await store.migrate();
 */
export function pgStore(pool: PgPool, options: PgStoreOptions = {}): PgFederationStore {
  const schema = checkSchemaName(options.schema ?? 'fedtrust');
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const logger = options.logger ?? silentLogger;
  const s = quoteIdent(schema);
  const t = {
    grants: `${s}.grants`,
    peers: `${s}.peers`,
    bindings: `${s}.certificate_bindings`,
    enrollment: `${s}.enrollment_tokens`,
    tokens: `${s}.provider_tokens`,
    audit: `${s}.audit_events`,
    sealed: `${s}.sealed_records`,
    compensations: `${s}.pending_compensations`,
  };
  let closed = false;

  /** The single place driver errors become `StoreError`. */
  async function run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (closed) {
      throw new StoreError(`${operation} failed: this store was closed`, {
        details: { operation },
        remediation: 'Create a new store with pgStore(pool) instead of using one after close().',
      });
    }
    try {
      return await work();
    } catch (error) {
      throw wrapPgError(error, operation);
    }
  }

  async function rows(text: string, values: unknown[] = []): Promise<Row[]> {
    return (await pool.query(text, values)).rows as Row[];
  }

  async function changed(text: string, values: unknown[]): Promise<boolean> {
    return ((await pool.query(text, values)).rowCount ?? 0) > 0;
  }

  return {
    schema,

    migrate: () => run('migrate', () => applyMigrations(pool, schema, migrationsDir, logger)),
    migrationStatus: () => run('migrationStatus', () => readMigrationStatus(pool, schema, migrationsDir)),

    createGrant: (grant, peer) =>
      run('createGrant', () =>
        withTransaction(pool, async (client) => {
          await client.query(
            `INSERT INTO ${t.peers} (id, name, tenant_id, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
            [peer.id, peer.name, peer.tenantId, peer.status, peer.createdAt, peer.updatedAt],
          );
          await client.query(
            `INSERT INTO ${t.grants} (id, tenant_id, peer_id, subject_user_id, scope, status, created_at,
               activated_at, revoked_at, expires_at)
             VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10)`,
            [
              grant.id,
              grant.tenantId,
              grant.peerId,
              grant.subjectUserId,
              JSON.stringify(grant.scope),
              grant.status,
              grant.createdAt,
              grant.activatedAt,
              grant.revokedAt,
              grant.expiresAt,
            ],
          );
        }),
      ),

    getGrant: (id) =>
      run('getGrant', async () => {
        const [row] = await rows(`SELECT * FROM ${t.grants} WHERE id = $1`, [id]);
        return row === undefined ? null : grantFromRow(row);
      }),

    listGrants: (filter = {}) =>
      run('listGrants', async () => {
        const found = await rows(
          `SELECT * FROM ${t.grants}
           WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR peer_id = $2)
             AND ($3::text IS NULL OR status = $3)
           ORDER BY created_at, id`,
          [filter.tenantId ?? null, filter.peerId ?? null, filter.status ?? null],
        );
        return found.map(grantFromRow);
      }),

    transitionGrant: (id, from, to, at) =>
      run('transitionGrant', async () => {
        const [row] = await rows(
          `UPDATE ${t.grants}
           SET status = $3,
               activated_at = CASE WHEN $3 = 'active' THEN $4 ELSE activated_at END,
               revoked_at = CASE WHEN $3 = 'revoked' THEN $4 ELSE revoked_at END
           WHERE id = $1 AND status = ANY($2::text[])
           RETURNING *`,
          [id, [...from], to satisfies StoredGrantStatus, at],
        );
        return row === undefined ? null : grantFromRow(row);
      }),

    getPeer: (id) =>
      run('getPeer', async () => {
        const [row] = await rows(`SELECT * FROM ${t.peers} WHERE id = $1`, [id]);
        return row === undefined ? null : peerFromRow(row);
      }),

    listPeers: (filter = {}) =>
      run('listPeers', async () => {
        const found = await rows(
          `SELECT * FROM ${t.peers}
           WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR status = $2)
           ORDER BY created_at, id`,
          [filter.tenantId ?? null, filter.status ?? null],
        );
        return found.map(peerFromRow);
      }),

    transitionPeer: (id, from, to, at) =>
      run('transitionPeer', async () => {
        const [row] = await rows(
          `UPDATE ${t.peers} SET status = $3, updated_at = $4
           WHERE id = $1 AND status = ANY($2::text[])
           RETURNING *`,
          [id, [...from], to satisfies PeerStatus, at],
        );
        return row === undefined ? null : peerFromRow(row);
      }),

    bindCertificate: (binding) =>
      run('bindCertificate', async () => {
        await pool.query(
          `INSERT INTO ${t.bindings} (serial, peer_id, grant_id, not_before, not_after, revoked_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [
            binding.serial,
            binding.peerId,
            binding.grantId,
            binding.notBefore,
            binding.notAfter,
            binding.revokedAt,
          ],
        );
      }),

    getCertificateBinding: (serial) =>
      run('getCertificateBinding', async () => {
        const [row] = await rows(`SELECT * FROM ${t.bindings} WHERE serial = $1`, [serial]);
        return row === undefined ? null : bindingFromRow(row);
      }),

    listCertificateBindings: (filter = {}) =>
      run('listCertificateBindings', async () => {
        const found = await rows(
          `SELECT * FROM ${t.bindings} WHERE ($1::text IS NULL OR peer_id = $1) ORDER BY not_before, serial`,
          [filter.peerId ?? null],
        );
        return found.map(bindingFromRow);
      }),

    markCertificateRevoked: (serial, at) =>
      run('markCertificateRevoked', () =>
        changed(`UPDATE ${t.bindings} SET revoked_at = $2 WHERE serial = $1 AND revoked_at IS NULL`, [
          serial,
          at,
        ]),
      ),

    insertEnrollmentToken: (record) =>
      run('insertEnrollmentToken', async () => {
        await pool.query(
          `INSERT INTO ${t.enrollment} (token_hash, prefix, grant_id, peer_id, created_at, expires_at, used_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            record.tokenHash,
            record.prefix,
            record.grantId,
            record.peerId,
            record.createdAt,
            record.expiresAt,
            record.usedAt,
          ],
        );
      }),

    redeemEnrollmentToken: (tokenHash, now) =>
      run('redeemEnrollmentToken', async (): Promise<RedemptionResult> => {
        const [redeemed] = await rows(
          `UPDATE ${t.enrollment} SET used_at = $2
           WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
           RETURNING *`,
          [tokenHash, now],
        );
        if (redeemed !== undefined) return { outcome: 'ok', record: enrollmentFromRow(redeemed) };
        // The update above decided; this read only explains a refusal. It runs as its own
        // statement so its snapshot sees the racing redeemer's committed `used_at`.
        const [row] = await rows(`SELECT used_at FROM ${t.enrollment} WHERE token_hash = $1`, [tokenHash]);
        if (row === undefined) return { outcome: 'unknown' };
        return { outcome: row['used_at'] === null ? 'expired' : 'already_used' };
      }),

    validateAndMarkUsed: (providerId, tokenHash, now) =>
      run('validateAndMarkUsed', async () => {
        const [row] = await rows(
          `UPDATE ${t.tokens} SET last_used_at = $3
           WHERE provider_id = $1 AND token_hash = $2 AND revoked_at IS NULL
           RETURNING *`,
          [providerId, tokenHash, now],
        );
        return row === undefined ? null : providerTokenFromRow(row);
      }),

    findActive: (providerId) =>
      run('findActive', async () => {
        const [row] = await rows(`SELECT * FROM ${t.tokens} WHERE provider_id = $1 AND revoked_at IS NULL`, [
          providerId,
        ]);
        return row === undefined ? null : providerTokenFromRow(row);
      }),

    revokeUnused: (tokenId, now) =>
      run('revokeUnused', () =>
        changed(
          `UPDATE ${t.tokens} SET revoked_at = $2
           WHERE id = $1 AND revoked_at IS NULL AND last_used_at IS NULL`,
          [tokenId, now],
        ),
      ),

    issue: (token) =>
      run('issue', async (): Promise<IssueResult> => {
        try {
          const [row] = await rows(
            `INSERT INTO ${t.tokens} (id, provider_id, token_hash, prefix, created_at, last_used_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             RETURNING *`,
            [
              token.id,
              token.providerId,
              token.tokenHash,
              token.prefix,
              token.createdAt,
              token.lastUsedAt,
              token.revokedAt,
            ],
          );
          return { issued: true, token: providerTokenFromRow(row as Row) };
        } catch (error) {
          if (isUniqueViolation(error, ONE_ACTIVE_TOKEN_INDEX))
            return { issued: false, reason: 'active_exists' };
          throw error;
        }
      }),

    listProviderTokens: (filter = {}) =>
      run('listProviderTokens', async () => {
        const found = await rows(
          `SELECT * FROM ${t.tokens} WHERE ($1::text IS NULL OR provider_id = $1) ORDER BY created_at DESC, id DESC`,
          [filter.providerId ?? null],
        );
        return found.map(providerTokenFromRow);
      }),

    revokeProviderToken: (tokenId, now) =>
      run('revokeProviderToken', () =>
        changed(`UPDATE ${t.tokens} SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [
          tokenId,
          now,
        ]),
      ),

    appendAudit: (chainId, event) =>
      run('appendAudit', () => {
        // Validated and canonicalised once, before any connection is taken: an invalid
        // event never opens a transaction, and the chain lock is held only to hash and insert.
        const canonical = canonicalEvent(event);
        return withTransaction(pool, async (client): Promise<AuditRecord> => {
          // Appenders of one chain queue here until the holder commits; the lock key names
          // the schema so two stores in one database do not serialise each other.
          await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
            `fedtrust.audit:${schema}:${chainId}`,
          ]);
          const head = (
            await client.query(
              `SELECT seq, hash FROM ${t.audit} WHERE chain_id = $1 ORDER BY seq DESC LIMIT 1`,
              [chainId],
            )
          ).rows[0] as { seq: string; hash: string } | undefined;
          const seq = head === undefined ? 1 : Number(head.seq) + 1;
          const prevHash = head === undefined ? GENESIS_HASH : head.hash;
          const hash = linkHash(prevHash, canonical);
          await client.query(
            `INSERT INTO ${t.audit} (chain_id, seq, prev_hash, hash, event, occurred_at)
             VALUES ($1, $2, $3, $4, $5, $6)`,
            [chainId, seq, prevHash, hash, canonical, event.time],
          );
          return { chainId, seq, prevHash, hash, event: JSON.parse(canonical) as AuditEvent };
        });
      }),

    listAudit: (chainId, options = {}) =>
      run('listAudit', async () => {
        const found = await rows(
          `SELECT * FROM ${t.audit} WHERE chain_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
          [chainId, options.fromSeq ?? 1, options.limit ?? null],
        );
        return found.map(auditFromRow);
      }),

    tailAudit: (chainId, n) =>
      run('tailAudit', async () => {
        const found = await rows(
          `SELECT * FROM (SELECT * FROM ${t.audit} WHERE chain_id = $1 ORDER BY seq DESC LIMIT $2) tail ORDER BY seq`,
          [chainId, Math.max(0, n)],
        );
        return found.map(auditFromRow);
      }),

    listAuditChains: () =>
      run('listAuditChains', async () => {
        const found = await rows(`SELECT DISTINCT chain_id FROM ${t.audit} ORDER BY chain_id`);
        return found.map((r) => r['chain_id'] as string);
      }),

    putSealed: (record) =>
      run('putSealed', async () => {
        await pool.query(
          `INSERT INTO ${t.sealed} (id, key_id, envelope, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET key_id = EXCLUDED.key_id, envelope = EXCLUDED.envelope,
             updated_at = EXCLUDED.updated_at`,
          [record.id, record.keyId, record.envelope, record.updatedAt],
        );
      }),

    replaceSealed: (record, expectedEnvelope) =>
      run('replaceSealed', () => {
        const values = [record.id, record.keyId, record.envelope, record.updatedAt];
        return expectedEnvelope === null
          ? changed(
              `INSERT INTO ${t.sealed} (id, key_id, envelope, updated_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (id) DO NOTHING`,
              values,
            )
          : changed(
              `UPDATE ${t.sealed} SET key_id = $2, envelope = $3, updated_at = $4 WHERE id = $1 AND envelope = $5`,
              [...values, expectedEnvelope],
            );
      }),

    getSealed: (id) =>
      run('getSealed', async () => {
        const [row] = await rows(`SELECT * FROM ${t.sealed} WHERE id = $1`, [id]);
        return row === undefined ? null : sealedFromRow(row);
      }),

    listSealed: () =>
      run('listSealed', async () => (await rows(`SELECT * FROM ${t.sealed} ORDER BY id`)).map(sealedFromRow)),

    addCompensation: (record) =>
      run('addCompensation', async () => {
        await pool.query(
          `INSERT INTO ${t.compensations} (id, serial, grant_id, peer_id, reason, created_at, attempts, last_error,
             resolved_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            record.id,
            record.serial,
            record.grantId,
            record.peerId,
            record.reason,
            record.createdAt,
            record.attempts,
            record.lastError,
            record.resolvedAt,
          ],
        );
      }),

    listPendingCompensations: () =>
      run('listPendingCompensations', async () =>
        (
          await rows(`SELECT * FROM ${t.compensations} WHERE resolved_at IS NULL ORDER BY created_at, id`)
        ).map(compensationFromRow),
      ),

    noteCompensationAttempt: (id, error) =>
      run('noteCompensationAttempt', async () => {
        const noted = await changed(
          `UPDATE ${t.compensations} SET attempts = attempts + 1, last_error = $2 WHERE id = $1`,
          [id, error],
        );
        if (!noted) {
          throw new StoreError(`noteCompensationAttempt failed: no compensation ${id}`, {
            details: { operation: 'noteCompensationAttempt', id },
          });
        }
      }),

    resolveCompensation: (id, now) =>
      run('resolveCompensation', () =>
        changed(`UPDATE ${t.compensations} SET resolved_at = $2 WHERE id = $1 AND resolved_at IS NULL`, [
          id,
          now,
        ]),
      ),

    close: async () => {
      closed = true;
    },
  };
}
