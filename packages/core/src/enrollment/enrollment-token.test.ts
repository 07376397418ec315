import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFedtrustError } from '../errors/fedtrust-error.js';
import type { Grant, Peer, PeerStatus } from '../grant/types.js';
import type { Random } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';
import { systemRandom } from '../system/index.js';
import { manualClock } from '../testing/memory/manual-clock.js';
import { memoryStore } from '../testing/memory-store.js';
import { hashToken } from './hash-token.js';
import {
  ENROLLMENT_TOKEN_DEFAULT_TTL_SECONDS,
  ENROLLMENT_TOKEN_MAX_TTL_SECONDS,
  ENROLLMENT_TOKEN_MIN_TTL_SECONDS,
  issueEnrollmentToken,
} from './issue-enrollment-token.js';
import { redeemEnrollmentToken } from './redeem-enrollment-token.js';
import { tokenPrefix } from './token-prefix.js';

const T0 = new Date('2030-03-01T09:00:00.000Z');
const TOKEN_SHAPE = /^fte_[A-Za-z0-9_-]{43}$/;

/** Bytes 0, 1, 2, … so the token text can be checked exactly. */
const countingBytes: Random = {
  bytes: (n) => Uint8Array.from({ length: n }, (_, i) => i),
  uuid: () => '00000000-0000-4000-8000-000000000000',
};

/** A memory store that records which methods were called, to prove what was (not) written. */
function recordingStore() {
  const inner = memoryStore();
  const calls: string[] = [];
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(key));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as FederationStore;
  return { store, calls };
}

async function seeded(options: { grant?: Partial<Grant>; peerStatus?: PeerStatus } = {}) {
  const { store, calls } = recordingStore();
  const clock = manualClock(T0);
  const peer: Peer = {
    id: '00000000-0000-4000-8000-0000000000a1',
    name: 'gw',
    tenantId: 't',
    status: options.peerStatus ?? 'pending',
    createdAt: T0,
    updatedAt: T0,
  };
  const grant: Grant = {
    id: '00000000-0000-4000-8000-0000000000b1',
    tenantId: 't',
    peerId: peer.id,
    subjectUserId: '00000000-0000-4000-8000-0000000000c1',
    scope: { resources: ['tasks'], max_rows_per_query: 10 },
    status: 'pending',
    createdAt: T0,
    activatedAt: null,
    revokedAt: null,
    expiresAt: null,
    ...options.grant,
  };
  await store.createGrant(grant, peer);
  calls.length = 0;
  return { store, calls, clock, grant, peer, deps: { store, clock, random: systemRandom } };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    if (isFedtrustError(error)) return { code: error.code, status: error.status };
    throw error;
  }
  throw new Error('expected a FedtrustError');
}

describe('hashToken and tokenPrefix', () => {
  it('hashToken is SHA-256 as lower-case hex (FIPS 180-2 "abc" vector)', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('tokenPrefix is the first 8 characters, and the whole string when shorter', () => {
    expect(tokenPrefix('fte_abcdefghij')).toBe('fte_abcd');
    expect(tokenPrefix('short')).toBe('short');
  });
});

describe('issueEnrollmentToken', () => {
  it('returns fte_ + base64url of 32 random bytes; stores only its SHA-256 hash and 8-char prefix', async () => {
    const { store, grant, peer, deps } = await seeded();
    const { token, record } = await issueEnrollmentToken(
      { grantId: grant.id },
      { ...deps, random: countingBytes },
    );
    const expected = 'fte_' + Buffer.from(Uint8Array.from({ length: 32 }, (_, i) => i)).toString('base64url');
    expect(token).toBe(expected);
    expect(token).toMatch(TOKEN_SHAPE);
    expect(record).toEqual({
      tokenHash: createHash('sha256').update(token).digest('hex'),
      prefix: token.slice(0, 8),
      grantId: grant.id,
      peerId: peer.id,
      createdAt: T0,
      expiresAt: new Date(T0.getTime() + 15 * 60_000),
      usedAt: null,
    });
    expect(JSON.stringify(record)).not.toContain(token.slice(4));
    const redeemed = await store.redeemEnrollmentToken(record.tokenHash, T0);
    expect(redeemed.outcome).toBe('ok');
  });

  it('tokens from the system CSPRNG differ each time', async () => {
    const { grant, deps } = await seeded();
    const tokens = new Set<string>();
    for (let i = 0; i < 20; i++) tokens.add((await issueEnrollmentToken({ grantId: grant.id }, deps)).token);
    expect(tokens.size).toBe(20);
  });

  it('honours ttlSeconds at both bounds', async () => {
    const { grant, deps } = await seeded();
    for (const ttlSeconds of [ENROLLMENT_TOKEN_MIN_TTL_SECONDS, ENROLLMENT_TOKEN_MAX_TTL_SECONDS]) {
      const { record } = await issueEnrollmentToken({ grantId: grant.id, ttlSeconds }, deps);
      expect(record.expiresAt.getTime() - T0.getTime()).toBe(ttlSeconds * 1000);
    }
    expect(ENROLLMENT_TOKEN_DEFAULT_TTL_SECONDS).toBe(900);
  });

  it.each([0, -1, 59, 86_401, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses ttlSeconds %s with enrollment_ttl_invalid (400) and stores nothing',
    async (ttlSeconds) => {
      const { grant, deps, calls } = await seeded();
      expect(await failure(issueEnrollmentToken({ grantId: grant.id, ttlSeconds }, deps))).toEqual({
        code: 'enrollment_ttl_invalid',
        status: 400,
      });
      expect(calls).not.toContain('insertEnrollmentToken');
    },
  );

  it('never outlives its grant: expiresAt is capped at the grant’s expiry', async () => {
    const grantExpiry = new Date(T0.getTime() + 5 * 60_000);
    const { grant, deps } = await seeded({ grant: { expiresAt: grantExpiry } });
    const { record } = await issueEnrollmentToken({ grantId: grant.id }, deps);
    expect(record.expiresAt).toEqual(grantExpiry);
  });

  it('an unknown grant is grant_not_found (404)', async () => {
    const { deps, calls } = await seeded();
    expect(
      await failure(issueEnrollmentToken({ grantId: '99999999-0000-4000-8000-000000000000' }, deps)),
    ).toEqual({
      code: 'grant_not_found',
      status: 404,
    });
    expect(calls).not.toContain('insertEnrollmentToken');
  });

  it.each([
    ['active', { status: 'active' as const, activatedAt: T0 }],
    ['revoked', { status: 'revoked' as const, revokedAt: T0 }],
    ['expired', { expiresAt: T0 }],
  ])(
    'refuses a %s grant with enrollment_grant_not_pending (409) and stores nothing',
    async (_, grantOverrides) => {
      const { grant, deps, calls } = await seeded({ grant: grantOverrides });
      expect(await failure(issueEnrollmentToken({ grantId: grant.id }, deps))).toEqual({
        code: 'enrollment_grant_not_pending',
        status: 409,
      });
      expect(calls).not.toContain('insertEnrollmentToken');
    },
  );

  it.each(['active', 'suspended', 'revoked'] as const)(
    'refuses when the grant’s own peer is %s (enrollment_peer_not_pending, 409)',
    async (peerStatus) => {
      const { grant, deps, calls } = await seeded({ peerStatus });
      expect(await failure(issueEnrollmentToken({ grantId: grant.id }, deps))).toEqual({
        code: 'enrollment_peer_not_pending',
        status: 409,
      });
      expect(calls).not.toContain('insertEnrollmentToken');
    },
  );

  it('the token is bound to the grant’s own peer, never another peer', async () => {
    const { store, grant, peer, deps } = await seeded();
    const other: Peer = { ...peer, id: '00000000-0000-4000-8000-0000000000a2' };
    await store.createGrant(
      { ...grant, id: '00000000-0000-4000-8000-0000000000b2', peerId: other.id },
      other,
    );
    const { record } = await issueEnrollmentToken({ grantId: grant.id }, deps);
    expect(record.peerId).toBe(peer.id);
    expect(record.grantId).toBe(grant.id);
  });

  it('refuses to issue from a Random that returns too few bytes (random_short_read)', async () => {
    const { grant, deps, calls } = await seeded();
    const short: Random = { ...systemRandom, bytes: () => new Uint8Array(16) };
    expect(
      (await failure(issueEnrollmentToken({ grantId: grant.id }, { ...deps, random: short }))).code,
    ).toBe('random_short_read');
    expect(calls).not.toContain('insertEnrollmentToken');
  });

  it('property: any 32 bytes give a token of the form fte_ + 43 base64url characters that decodes back to them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (bytes) => {
        const { grant, deps } = await seeded();
        const random: Random = { ...systemRandom, bytes: () => bytes };
        const { token, record } = await issueEnrollmentToken({ grantId: grant.id }, { ...deps, random });
        expect(token).toMatch(TOKEN_SHAPE);
        expect(new Uint8Array(Buffer.from(token.slice(4), 'base64url'))).toEqual(bytes);
        expect(record.tokenHash).toBe(hashToken(token));
        expect(record.prefix).toBe(token.slice(0, 8));
      }),
      { numRuns: 100 },
    );
  });
});

describe('redeemEnrollmentToken', () => {
  it('ok once with the stored record, then already_used', async () => {
    const { grant, deps, clock } = await seeded();
    const { token, record } = await issueEnrollmentToken({ grantId: grant.id }, deps);
    clock.advance(60_000);
    expect(await redeemEnrollmentToken(token, deps)).toEqual({
      outcome: 'ok',
      record: { ...record, usedAt: clock.now() },
    });
    expect(await redeemEnrollmentToken(token, deps)).toEqual({ outcome: 'already_used' });
  });

  it('expired from the 15th minute on', async () => {
    const { grant, deps, clock } = await seeded();
    const { token } = await issueEnrollmentToken({ grantId: grant.id }, deps);
    clock.advance(15 * 60_000);
    expect(await redeemEnrollmentToken(token, deps)).toEqual({ outcome: 'expired' });
  });

  it('a well-formed token that was never issued is unknown', async () => {
    const { deps } = await seeded();
    const token = 'fte_' + Buffer.from(systemRandom.bytes(32)).toString('base64url');
    expect(await redeemEnrollmentToken(token, deps)).toEqual({ outcome: 'unknown' });
  });

  it('malformed input is unknown without touching the store', async () => {
    const { grant, deps, calls } = await seeded();
    const { token } = await issueEnrollmentToken({ grantId: grant.id }, deps);
    calls.length = 0;
    const malformed: unknown[] = [
      '',
      'fte_',
      token.slice(4),
      `${token}x`,
      ` ${token}`,
      token.replace('fte_', 'FTE_'),
      null,
      42,
    ];
    for (const input of malformed) {
      expect(await redeemEnrollmentToken(input as string, deps)).toEqual({ outcome: 'unknown' });
    }
    expect(calls).toEqual([]);
    expect((await redeemEnrollmentToken(token, deps)).outcome).toBe('ok');
  });

  it('64 parallel redemptions of one issued token: exactly one ok, the rest already_used', async () => {
    const { grant, deps } = await seeded();
    const { token } = await issueEnrollmentToken({ grantId: grant.id }, deps);
    const results = await Promise.all(Array.from({ length: 64 }, () => redeemEnrollmentToken(token, deps)));
    const outcomes = results.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already_used')).toHaveLength(63);
  });
});
