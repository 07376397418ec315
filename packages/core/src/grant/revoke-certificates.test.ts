import { describe, expect, it } from 'vitest';
import { retryCompensations } from '../enrollment/retry-compensations.js';
import type { CertificateAuthority, RevokeRequest } from '../ports/ca.js';
import type { Logger } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';
import { systemRandom } from '../system/index.js';
import { manualClock } from '../testing/memory/manual-clock.js';
import { memoryStore } from '../testing/memory-store.js';
import type { RevocationDeps } from './deps.js';
import { type CertificateRevocations, REVOCATION_FOLLOW_UP_PREFIX } from './revoke-certificates.js';
import { revokeGrant } from './revoke-grant.js';
import { revokePeer } from './revoke-peer.js';
import type { Grant, Peer } from './types.js';

const T0 = new Date('2030-05-01T08:00:00.000Z');
const PEER_ID = '00000000-0000-4000-8000-0000000000a1';
const GRANT_ID = '00000000-0000-4000-8000-0000000000b1';
const LIVE = ['a1', 'b2'];
/** Renewed away: retired in the store (past stamp), never revoked at the CA, and not yet expired. */
const RETIRED = 'c3';
/** Renewed a moment ago: retiring at a time still ahead. */
const RETIRING = 'd4';
/** Past its notAfter: no CA lists it any more, so it is left alone. */
const EXPIRED = 'e5';
/** Everything the CA must be asked to revoke, in binding order. */
const UNEXPIRED = [...LIVE, RETIRED, RETIRING];
const DAY = 86_400_000;

/**
 * A CA double that records every revocation it is asked for and refuses the serials in
 * `failing` (as an unreachable CA would). The cross-package test against the real local CA
 * and its CRL is `@fedtrust/ca-local`'s revoke-certificates.test.ts.
 */
function recordingCa(failing: Iterable<string> = []) {
  const down = new Set(failing);
  const revoked: RevokeRequest[] = [];
  const ca: CertificateAuthority = {
    issue: () => Promise.reject(new Error('not used')),
    renew: () => Promise.reject(new Error('not used')),
    async revoke(request) {
      if (down.has(request.serial)) throw new Error('connect ECONNREFUSED 127.0.0.1:9000');
      revoked.push(request);
    },
    roots: async () => [],
    health: async () => ({ ok: true }),
  };
  return { ca, revoked, down };
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, ...(fields === undefined ? {} : { fields }) });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

/**
 * An enrolled grant and peer (both active) with two live certificates, one retired and one
 * retiring by renewal (stamped in the store only), and one expired.
 */
async function enrolled() {
  const store = memoryStore();
  const clock = manualClock(T0);
  const peer: Peer = {
    id: PEER_ID,
    name: 'gw',
    tenantId: 't',
    status: 'active',
    createdAt: T0,
    updatedAt: T0,
  };
  const grant: Grant = {
    id: GRANT_ID,
    tenantId: 't',
    peerId: PEER_ID,
    subjectUserId: '00000000-0000-4000-8000-0000000000c1',
    scope: { resources: ['tasks'], max_rows_per_query: 10 },
    status: 'active',
    createdAt: T0,
    activatedAt: T0,
    revokedAt: null,
    expiresAt: null,
  };
  await store.createGrant(grant, peer);
  const stamps: Record<string, Date | null> = {
    a1: null,
    b2: null,
    [RETIRED]: T0,
    [RETIRING]: new Date(T0.getTime() + DAY),
    [EXPIRED]: null,
  };
  for (const [serial, revokedAt] of Object.entries(stamps)) {
    await store.bindCertificate({
      serial,
      peerId: PEER_ID,
      grantId: GRANT_ID,
      notBefore: new Date(T0.getTime() - 2 * DAY),
      notAfter: new Date(T0.getTime() + (serial === EXPIRED ? 0 : 7 * DAY)),
      revokedAt,
    });
  }
  clock.advance(60_000);
  return { store, clock, grant, peer };
}

/** The `revokedAt` of every binding as `enrolled()` left them, with `changes` applied. */
function stamps(changes: Record<string, Date | null> = {}): Record<string, Date | null> {
  return { a1: null, b2: null, c3: T0, d4: new Date(T0.getTime() + DAY), e5: null, ...changes };
}

async function revokedAtOf(store: FederationStore): Promise<Record<string, Date | null>> {
  const bindings = await store.listCertificateBindings({ peerId: PEER_ID });
  return Object.fromEntries(bindings.map((b) => [b.serial, b.revokedAt]));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Both revocations, seen the same way: the record that moved and the certificate report. */
type Revoke = (
  deps: RevocationDeps,
) => Promise<{ record: { status: string }; certificates: CertificateRevocations | null }>;

const OPERATIONS: Array<{ name: string; revoke: Revoke }> = [
  {
    name: 'revokeGrant',
    revoke: async (deps) => {
      const { grant, certificates } = await revokeGrant(GRANT_ID, deps);
      return { record: grant, certificates };
    },
  },
  {
    name: 'revokePeer',
    revoke: async (deps) => {
      const { peer, certificates } = await revokePeer(PEER_ID, deps);
      return { record: peer, certificates };
    },
  },
];

describe.each(OPERATIONS)('$name with a CA', ({ name, revoke }) => {
  it('revokes every unexpired certificate of the peer at the CA, retired ones included, and marks the live bindings revoked', async () => {
    const { store, clock } = await enrolled();
    const { ca, revoked } = recordingCa();
    const result = await revoke({ store, clock, ca, random: systemRandom });

    expect(result.record).toMatchObject({ status: 'revoked' });
    expect(revoked.map((r) => r.serial)).toEqual(UNEXPIRED);
    for (const request of revoked) expect(request.reason).toMatch(/^revocation follow-up: /);
    expect(result.certificates).toEqual({ revoked: UNEXPIRED, pending: [], unrecorded: [] });
    // A stamp already there (retired, retiring) is kept: the store stamps a binding once.
    expect(await revokedAtOf(store)).toEqual(stamps({ a1: clock.now(), b2: clock.now() }));
    expect(await store.listPendingCompensations()).toEqual([]);
  });

  it('revokes a certificate whose stored notAfter is unreadable rather than take it for expired', async () => {
    const { store, clock } = await enrolled();
    const { ca, revoked } = recordingCa();
    const corrupt: FederationStore = {
      ...store,
      listCertificateBindings: async (filter) =>
        (await store.listCertificateBindings(filter)).map((b) =>
          b.serial === EXPIRED ? { ...b, notAfter: 'soon' as unknown as Date } : b,
        ),
    };
    const result = await revoke({ store: corrupt, clock, ca, random: systemRandom });

    expect(result.record.status).toBe('revoked');
    expect(revoked.map((r) => r.serial)).toEqual([...UNEXPIRED, EXPIRED]);
    expect(result.certificates?.pending).toEqual([]);
  });

  it('keeps the status change when the CA fails, and records a durable compensation per serial it could not revoke', async () => {
    const { store, clock } = await enrolled();
    const { ca, revoked } = recordingCa(['b2']);
    const { logger, lines } = recordingLogger();
    const result = await revoke({ store, clock, ca, random: systemRandom, logger });

    expect(result.record.status).toBe('revoked');
    expect(revoked.map((r) => r.serial)).toEqual(['a1', RETIRED, RETIRING]);
    const [pending, ...others] = await store.listPendingCompensations();
    expect(others).toEqual([]);
    expect(pending).toMatchObject({
      serial: 'b2',
      grantId: GRANT_ID,
      peerId: PEER_ID,
      attempts: 1,
      lastError: 'connect ECONNREFUSED 127.0.0.1:9000',
      resolvedAt: null,
      createdAt: clock.now(),
    });
    expect(pending?.reason.startsWith(REVOCATION_FOLLOW_UP_PREFIX)).toBe(true);
    expect(result.certificates).toEqual({
      revoked: ['a1', RETIRED, RETIRING],
      pending: [{ serial: 'b2', compensationId: pending?.id, error: 'connect ECONNREFUSED 127.0.0.1:9000' }],
      unrecorded: [],
    });
    expect(await revokedAtOf(store)).toEqual(stamps({ a1: clock.now() }));
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.fields?.['serial'])).toEqual(['b2']);
    if (name === 'revokeGrant') expect((await store.getGrant(GRANT_ID))?.status).toBe('revoked');
    else expect((await store.getPeer(PEER_ID))?.status).toBe('revoked');
  });

  it('leaves the recorded follow-up to retryCompensations, which revokes it and never moves the grant or peer back', async () => {
    const { store, clock } = await enrolled();
    const flaky = recordingCa(['b2']);
    await revoke({ store, clock, ca: flaky.ca, random: systemRandom });
    const [grantBefore, peerBefore] = await Promise.all([store.getGrant(GRANT_ID), store.getPeer(PEER_ID)]);

    clock.advance(5_000);
    const healthy = recordingCa();
    const pass = await retryCompensations({ store, ca: healthy.ca, clock });

    expect(pass.failed).toEqual([]);
    expect(pass.resolved).toHaveLength(1);
    expect(healthy.revoked.map((r) => r.serial)).toEqual(['b2']);
    expect(healthy.revoked[0]?.reason).toMatch(/^revocation follow-up: /);
    expect(await store.listPendingCompensations()).toEqual([]);
    expect((await revokedAtOf(store))['b2']).toEqual(clock.now());
    // An enrollment undo would return an active peer with no live certificate to pending.
    expect(await store.getGrant(GRANT_ID)).toEqual(grantBefore);
    expect(await store.getPeer(PEER_ID)).toEqual(peerBefore);
  });

  it('records a compensation when the CA revoked but marking the binding failed, so the retry marks it', async () => {
    const { store, clock } = await enrolled();
    const { ca, revoked } = recordingCa();
    const flaky: FederationStore = {
      ...store,
      markCertificateRevoked: async () => {
        throw new Error('database is locked');
      },
    };
    const result = await revoke({ store: flaky, clock, ca, random: systemRandom });

    expect(revoked.map((r) => r.serial)).toEqual(UNEXPIRED);
    expect(result.certificates?.revoked).toEqual([]);
    expect(result.certificates?.pending.map((p) => [p.serial, p.error])).toEqual(
      UNEXPIRED.map((serial) => [serial, 'database is locked']),
    );
    expect((await retryCompensations({ store, ca, clock })).resolved).toHaveLength(UNEXPIRED.length);
    expect(await revokedAtOf(store)).toEqual(stamps({ a1: clock.now(), b2: clock.now() }));
  });

  it('names the serials it could neither revoke nor record, and logs them as errors', async () => {
    const { store, clock } = await enrolled();
    const { ca } = recordingCa(['a1']);
    const { logger, lines } = recordingLogger();
    const broken: FederationStore = {
      ...store,
      addCompensation: async () => {
        throw new Error('disk full');
      },
    };
    const result = await revoke({ store: broken, clock, ca, random: systemRandom, logger });

    expect(result.record.status).toBe('revoked');
    expect(result.certificates).toEqual({
      revoked: ['b2', RETIRED, RETIRING],
      pending: [],
      unrecorded: [
        { serial: 'a1', error: 'connect ECONNREFUSED 127.0.0.1:9000; recording failed: disk full' },
      ],
    });
    expect(lines.filter((l) => l.level === 'error').map((l) => l.fields?.['serial'])).toEqual(['a1']);
  });

  it('reports a store that cannot list the certificates as one unrecorded entry without a serial', async () => {
    const { store, clock } = await enrolled();
    const { ca, revoked } = recordingCa();
    const broken: FederationStore = {
      ...store,
      listCertificateBindings: async () => {
        throw new Error('connection reset');
      },
    };
    const result = await revoke({ store: broken, clock, ca, random: systemRandom });

    expect(result.record.status).toBe('revoked');
    expect(revoked).toEqual([]);
    expect(result.certificates).toEqual({
      revoked: [],
      pending: [],
      unrecorded: [{ serial: null, error: 'could not list the certificates: connection reset' }],
    });
  });

  it('touches no certificate when the status transition is refused', async () => {
    const { store, clock } = await enrolled();
    const { ca, revoked } = recordingCa();
    await revoke({ store, clock, ca, random: systemRandom });
    revoked.length = 0;
    await store.bindCertificate({
      serial: 'f6',
      peerId: PEER_ID,
      grantId: GRANT_ID,
      notBefore: T0,
      notAfter: new Date(T0.getTime() + DAY),
      revokedAt: null,
    });

    expect(await rejection(revoke({ store, clock, ca, random: systemRandom }))).toMatchObject({
      code: 'illegal_transition',
      from: 'revoked',
    });
    expect(revoked).toEqual([]);
    expect((await revokedAtOf(store))['f6']).toBeNull();
  });

  it('without a CA changes only the status and reports no certificate work (certificates: null)', async () => {
    const { store, clock } = await enrolled();
    const result = await revoke({ store, clock });

    expect(result.record.status).toBe('revoked');
    expect(result.certificates).toBeNull();
    expect(await revokedAtOf(store)).toEqual(stamps());
  });
});

describe('retryCompensations and revocation follow-ups', () => {
  it('revokes a follow-up at once even when it looks like a fresh enrollment intent of a completed enrollment', async () => {
    // attempts 0 with grant and peer active and the certificate bound is exactly what the
    // intent logic resolves without revoking, after waiting out the in-flight grace.
    const { store, clock } = await enrolled();
    await store.addCompensation({
      id: '00000000-0000-4000-8000-0000000000d1',
      serial: 'a1',
      grantId: GRANT_ID,
      peerId: PEER_ID,
      reason: `${REVOCATION_FOLLOW_UP_PREFIX}peer ${PEER_ID} revoked`,
      createdAt: clock.now(),
      attempts: 0,
      lastError: null,
      resolvedAt: null,
    });
    const { ca, revoked } = recordingCa();
    const pass = await retryCompensations({ store, ca, clock });

    expect(pass).toMatchObject({ resolved: ['00000000-0000-4000-8000-0000000000d1'], inFlight: [] });
    expect(revoked.map((r) => r.serial)).toEqual(['a1']);
    expect((await revokedAtOf(store))['a1']).toEqual(clock.now());
    expect((await store.getPeer(PEER_ID))?.status).toBe('active');
  });

  it('counts a failed follow-up attempt and keeps it pending for the next pass', async () => {
    const { store, clock } = await enrolled();
    await revokeGrant(GRANT_ID, { store, clock, ca: recordingCa(['a1']).ca, random: systemRandom });
    const pass = await retryCompensations({ store, ca: recordingCa(['a1']).ca, clock });

    expect(pass.failed.map((f) => f.serial)).toEqual(['a1']);
    const [pending] = await store.listPendingCompensations();
    expect(pending).toMatchObject({ serial: 'a1', attempts: 2, resolvedAt: null });
    expect((await revokedAtOf(store))['a1']).toBeNull();
  });
});
