import {
  type AuditEvent,
  admitProvider,
  canonicalEvent,
  createGrant,
  defineResources,
  type HostDirectory,
  hashToken,
  issueEnrollmentToken,
  redeemEnrollmentToken,
  StoreError,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgStore } from './pg-store.js';
import { openPgFixture, type PgFixture } from './test-fixture.js';

let fx: PgFixture;
beforeAll(async () => {
  fx = await openPgFixture();
});
afterAll(async () => {
  await fx?.close();
});

/** Every value of every fedtrust table in `schema`, as text. */
async function dumpSchema(schema: string): Promise<string> {
  const { rows: tables } = await fx.admin.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
    [schema],
  );
  const parts: string[] = [];
  for (const { table_name } of tables as { table_name: string }[]) {
    const { rows } = await fx.admin.query(`SELECT t::text AS row FROM "${schema}"."${table_name}" t`);
    parts.push(...rows.map((r) => `${table_name}: ${(r as { row: string }).row}`));
  }
  return parts.join('\n');
}

describe('pgStore on Postgres', () => {
  it('accepts a pg.Pool as is and keeps every table in its own schema', async () => {
    const a = await fx.store();
    const b = await fx.store();
    await a.issue({
      id: 'tok-1',
      providerId: 'provider-1',
      tokenHash: hashToken('ftp_secret'),
      prefix: 'ftp_secr',
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(await a.listProviderTokens()).toHaveLength(1);
    expect(await b.listProviderTokens()).toEqual([]);
    const { rows } = await fx.admin.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [a.schema],
    );
    expect(rows.map((r) => (r as { table_name: string }).table_name)).toEqual([
      'audit_events',
      'certificate_bindings',
      'enrollment_tokens',
      'grants',
      'peers',
      'pending_compensations',
      'provider_tokens',
      'schema_migrations',
      'sealed_records',
    ]);
  });

  it('enforces one active token per provider with a partial unique index, and audit order with a descending time index', async () => {
    const store = await fx.store();
    const { rows } = await fx.admin.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1`,
      [store.schema],
    );
    const defs = Object.fromEntries(
      rows.map((r) => [(r as { indexname: string }).indexname, (r as { indexdef: string }).indexdef]),
    );
    expect(defs['provider_tokens_one_active']).toMatch(
      /CREATE UNIQUE INDEX .* \(provider_id\) WHERE \(revoked_at IS NULL\)/,
    );
    expect(defs['audit_events_pkey']).toMatch(/UNIQUE INDEX .* \(chain_id, seq\)/);
    expect(defs['audit_events_time_idx']).toMatch(/\(occurred_at DESC\)/);
  });

  it('issue() maps only the active-token index to active_exists; a reused token id is a StoreError', async () => {
    const store = await fx.store();
    const base = {
      providerId: 'provider-1',
      tokenHash: hashToken('ftp_one'),
      prefix: 'ftp_one_',
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    };
    expect(await store.issue({ ...base, id: 'tok-1' })).toMatchObject({ issued: true });
    expect(await store.issue({ ...base, id: 'tok-2' })).toEqual({ issued: false, reason: 'active_exists' });
    await store.revokeProviderToken('tok-1', new Date());
    const error = await store.issue({ ...base, id: 'tok-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).details).toMatchObject({ operation: 'issue', sqlstate: '23505' });
  });

  it('stores the exact canonical bytes of each audit event, so verification rehashes what was hashed', async () => {
    const store = await fx.store();
    const event: AuditEvent = {
      time: '2031-04-05T06:07:08.123Z',
      grantId: 'grant-ü',
      subject: 'user "quoted"',
      certSerial: '7f00aa',
      verb: 'search',
      resource: 'notes',
      outcome: 'deny',
      reason: 'resource_excluded',
      rowsOut: 0,
      bytesOut: 0,
    };
    const record = await store.appendAudit('gw', event);
    const { rows } = await fx.admin.query(`SELECT event, occurred_at FROM "${store.schema}".audit_events`);
    expect(rows).toEqual([{ event: canonicalEvent(event), occurred_at: new Date(event.time) }]);
    expect(record.event).toEqual(event);
    expect(await store.tailAudit('gw', 5)).toEqual([record]);
    expect(await store.listAuditChains()).toEqual(['gw']);
  });

  it('after enrollment and admission, no table holds a plaintext token', async () => {
    const store = await fx.store();
    const catalogue = defineResources({ tasks: {} });
    const directory: HostDirectory = { userBelongsToTenant: async () => true };
    const created = await createGrant(
      {
        tenantId: 't',
        peerName: 'peer.test',
        subjectUserId: systemRandom.uuid(),
        scope: { resources: ['tasks'], max_rows_per_query: 5 },
      },
      { store, directory, catalogue, clock: systemClock, random: systemRandom },
    );
    const enrollment = await issueEnrollmentToken(
      { grantId: created.grant.id },
      { store, clock: systemClock, random: systemRandom },
    );
    expect((await redeemEnrollmentToken(enrollment.token, { store, clock: systemClock })).outcome).toBe('ok');
    const deps = { store, requireProviderTokens: false, clock: systemClock, random: systemRandom };
    const minted = await admitProvider({ providerId: 'provider-1' }, deps);
    const bearer = minted.admit ? (minted.token ?? '') : '';
    expect(bearer).toMatch(/^ftp_/);
    expect(await admitProvider({ providerId: 'provider-1', bearer }, deps)).toMatchObject({
      authState: 'bearer_validated',
    });

    const dump = await dumpSchema(store.schema);
    expect(dump).toContain(hashToken(bearer));
    expect(dump).toContain(hashToken(enrollment.token));
    expect(dump).not.toContain(bearer);
    expect(dump).not.toContain(enrollment.token);
    expect(dump).not.toContain(bearer.slice(0, 12));
  });

  it('a second store on another pool and the same schema sees the same rows (a second replica)', async () => {
    const a = await fx.store();
    const b = pgStore(fx.newPool(2), { schema: a.schema });
    await a.putSealed({ id: 'ca:root', keyId: 'k1', envelope: 'sealed-envelope', updatedAt: new Date(0) });
    expect(await b.getSealed('ca:root')).toEqual({
      id: 'ca:root',
      keyId: 'k1',
      envelope: 'sealed-envelope',
      updatedAt: new Date(0),
    });
    await b.putSealed({ id: 'ca:root', keyId: 'k2', envelope: 'resealed', updatedAt: new Date(1) });
    expect((await a.listSealed()).map((r) => r.keyId)).toEqual(['k2']);
  });
});
