import {
  type AdmissionDecision,
  type AuditEvent,
  admitProvider,
  chainHash,
  GENESIS_HASH,
  type Grant,
  hashToken,
  issueEnrollmentToken,
  type Peer,
  type ProviderToken,
  redeemEnrollmentToken,
  verifyChain,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgStore } from './pg-store.js';
import { openPgFixture, type PgFixture } from './test-fixture.js';
import type { PgFederationStore } from './types.js';

// Races run against the real server: every claim below is counted in rows afterwards.

let fx: PgFixture;
beforeAll(async () => {
  fx = await openPgFixture();
});
afterAll(async () => {
  await fx?.close();
});

function token(providerId: string, n: number): ProviderToken {
  return {
    id: `${providerId}-token-${n}`,
    providerId,
    tokenHash: hashToken(`ftp_${providerId}_${n}_secret`),
    prefix: 'ftp_abcd',
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
  };
}

async function mintRace(stores: PgFederationStore[], racers: number): Promise<AdmissionDecision[]> {
  return Promise.all(
    Array.from({ length: racers }, (_, i) =>
      admitProvider(
        { providerId: 'provider-1', bearer: null },
        {
          store: stores[i % stores.length] as PgFederationStore,
          requireProviderTokens: false,
          clock: systemClock,
          random: systemRandom,
        },
      ),
    ),
  );
}

async function expectOneActiveToken(store: PgFederationStore, decisions: AdmissionDecision[]): Promise<void> {
  expect(decisions.every((d) => d.admit)).toBe(true);
  expect(await fx.count(store.schema, 'provider_tokens', 'revoked_at IS NULL')).toBe(1);
  const minted = decisions.filter((d) => d.admit && d.authState === 'self_minted');
  expect(minted.length).toBeGreaterThanOrEqual(1);
  // Every minted token but the one left active was revoked by a later self-heal.
  expect(await fx.count(store.schema, 'provider_tokens')).toBe(minted.length);
  const active = await store.findActive('provider-1');
  const holder = minted.find((d) => d.admit && d.tokenId === active?.id);
  expect(holder?.admit && holder.token).toMatch(/^ftp_/);
  // The surviving token is a working bearer.
  const proved = await admitProvider(
    { providerId: 'provider-1', bearer: holder?.admit ? (holder.token ?? '') : '' },
    { store, requireProviderTokens: true, clock: systemClock, random: systemRandom },
  );
  expect(proved).toMatchObject({ admit: true, authState: 'bearer_validated' });
}

describe('races on a real Postgres', () => {
  it('64 concurrent tokenless admissions for one provider over 8 connections leave exactly one active token', async () => {
    const store = await fx.store();
    await expectOneActiveToken(store, await mintRace([store], 64));
  });

  it('64 concurrent tokenless admissions split over two pools (two replicas) leave exactly one active token', async () => {
    const a = await fx.store();
    const b = pgStore(fx.newPool(8), { schema: a.schema });
    await expectOneActiveToken(a, await mintRace([a, b], 64));
  });

  it('64 concurrent issue() calls for one provider: one issued, 63 active_exists, one row', async () => {
    const a = await fx.store();
    const b = pgStore(fx.newPool(8), { schema: a.schema });
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? a : b).issue(token('provider-1', i))),
    );
    expect(results.filter((r) => r.issued)).toHaveLength(1);
    expect(results.filter((r) => !r.issued && r.reason === 'active_exists')).toHaveLength(63);
    expect(await fx.count(a.schema, 'provider_tokens')).toBe(1);
  });

  it('64 concurrent redemptions of one enrollment token: exactly one ok, 63 already_used', async () => {
    const store = await fx.store();
    const now = new Date();
    const peer: Peer = {
      id: 'peer-1',
      name: 'peer-1.test',
      tenantId: 't',
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    };
    const grant: Grant = {
      id: 'grant-1',
      tenantId: 't',
      peerId: peer.id,
      subjectUserId: 'user-1',
      scope: { resources: ['tasks'], max_rows_per_query: 10 },
      status: 'pending',
      createdAt: now,
      activatedAt: null,
      revokedAt: null,
      expiresAt: null,
    };
    await store.createGrant(grant, peer);
    const issued = await issueEnrollmentToken(
      { grantId: grant.id },
      { store, clock: systemClock, random: systemRandom },
    );
    const replica = pgStore(fx.newPool(8), { schema: store.schema });
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        redeemEnrollmentToken(issued.token, { store: i % 2 === 0 ? store : replica, clock: systemClock }),
      ),
    );
    expect(results.filter((r) => r.outcome === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'already_used')).toHaveLength(63);
    expect(await fx.count(store.schema, 'enrollment_tokens', 'used_at IS NOT NULL')).toBe(1);
  });

  it('validateAndMarkUsed racing revokeUnused 1,000 times: a token that validated is never revoked', async () => {
    const store = await fx.store();
    const iterations = 1000;
    const batch = 8;
    let validated = 0;
    let revoked = 0;
    for (let start = 0; start < iterations; start += batch) {
      await Promise.all(
        Array.from({ length: batch }, async (_, k) => {
          const t = token(`p-${start + k}`, 0);
          await store.issue(t);
          const now = new Date();
          const [proved, revokedIt] = await Promise.all([
            store.validateAndMarkUsed(t.providerId, t.tokenHash, now),
            store.revokeUnused(t.id, now),
          ]);
          // Exactly one of the two wins each race, whichever reached the row first.
          expect(proved === null).toBe(revokedIt);
          if (proved !== null) validated++;
          if (revokedIt) revoked++;
        }),
      );
    }
    expect(validated + revoked).toBe(iterations);
    // Both sides won some races, so the two statements really did interleave.
    expect(validated).toBeGreaterThan(0);
    expect(revoked).toBeGreaterThan(0);
    expect(await fx.count(store.schema, 'provider_tokens')).toBe(iterations);
    expect(
      await fx.count(store.schema, 'provider_tokens', 'last_used_at IS NOT NULL AND revoked_at IS NOT NULL'),
    ).toBe(0);
    expect(await fx.count(store.schema, 'provider_tokens', 'last_used_at IS NOT NULL')).toBe(validated);
    expect(await fx.count(store.schema, 'provider_tokens', 'revoked_at IS NOT NULL')).toBe(revoked);
  });

  it('8 appenders × 500 events on one chain, over two pools: the chain verifies with no gap and no fork', async () => {
    const a = await fx.store();
    const b = pgStore(fx.newPool(4), { schema: a.schema });
    const appenders = 8;
    const perAppender = 500;
    const event = (appender: number, n: number): AuditEvent => ({
      time: new Date(Date.UTC(2031, 0, 1, 0, 0, 0, n)).toISOString(),
      grantId: `grant-${appender}`,
      subject: `user-${appender}`,
      certSerial: null,
      verb: 'list',
      resource: 'tasks',
      outcome: n % 7 === 0 ? 'deny' : 'allow',
      reason: n % 7 === 0 ? 'rbac_denied' : null,
      rowsOut: n,
      bytesOut: n * 10,
    });
    await Promise.all(
      Array.from({ length: appenders }, async (_, appender) => {
        const store = appender % 2 === 0 ? a : b;
        for (let n = 0; n < perAppender; n++) await store.appendAudit('gateway-1', event(appender, n));
      }),
    );

    const total = appenders * perAppender;
    const records = await a.listAudit('gateway-1');
    expect(records).toHaveLength(total);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(verifyChain(records)).toEqual({ ok: true, length: total, head: records.at(-1)?.hash });
    let prev = GENESIS_HASH;
    for (const r of records) {
      expect(r.prevHash).toBe(prev);
      expect(r.hash).toBe(chainHash(prev, r.event));
      prev = r.hash;
    }
    const forks = await fx.admin.query(
      `SELECT count(*)::int AS n FROM (SELECT prev_hash FROM "${a.schema}".audit_events
         WHERE chain_id = 'gateway-1' GROUP BY prev_hash HAVING count(*) > 1) f`,
    );
    expect(forks.rows[0]).toEqual({ n: 0 });
    for (let appender = 0; appender < appenders; appender++) {
      const own = records.filter((r) => r.event.grantId === `grant-${appender}`).map((r) => r.event.rowsOut);
      expect(own).toEqual(Array.from({ length: perAppender }, (_, n) => n));
    }
    // 4,000 serialised transactions: on the shared 2-core machine this outlasts the default 30 s.
  }, 180_000);
});
