/**
 * The enrollment saga against the real local CA, with faults injected at every step after
 * issuance. The outcome is checked where it matters: in the store (grant, peer, binding,
 * pending compensations) and at the CA (its signed CRL).
 */
import 'reflect-metadata';
import type { CertificateAuthority, FederationStore, Grant, Logger, Peer } from '@fedtrust/core';
import {
  createSealer,
  ENROLLMENT_IN_FLIGHT_SECONDS,
  enrollPeer,
  generateSealKey,
  isFedtrustError,
  issueEnrollmentToken,
  readIdentity,
  retryCompensations,
} from '@fedtrust/core';
import { systemRandom } from '@fedtrust/core/system';
import { makeCsr, manualClock, memoryStore } from '@fedtrust/core/testing';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { type LocalCa, localCa } from './index.js';

const T0 = new Date('2030-03-01T09:00:00.000Z');
const PEER_NAME = 'gw-home.example.test';

/** Faults a test can switch on; each names one store or CA call the saga makes. */
type Fault =
  | 'bind'
  | 'activatePeer'
  | 'activateGrant'
  /** `transitionGrant` commits, then its answer is lost. */
  | 'activateGrantLost'
  /** With `activateGrantLost`: the saga's read-back of the grant fails too (the store is down). */
  | 'readBack'
  | 'caRevoke'
  | 'markRevoked'
  | 'rollbackPeer'
  | 'addCompensation'
  /** The process dies just before activating the grant: that call never returns. */
  | 'dieBeforeGrant'
  /** The process dies after the last step, before the saga resolves its intent. */
  | 'dieBeforeResolve';

const ALL_FAULTS: Fault[] = [
  'bind',
  'activatePeer',
  'activateGrant',
  'activateGrantLost',
  'readBack',
  'caRevoke',
  'markRevoked',
  'rollbackPeer',
  'addCompensation',
];

function injected(what: string): Error {
  return new Error(`injected fault: ${what}`);
}

/** The store with switchable faults; everything else passes through to a real memory store. */
function faultyStore(inner: FederationStore, faults: Set<Fault>): FederationStore {
  let readBackFails = false;
  const overrides: Partial<FederationStore> = {
    async bindCertificate(binding) {
      if (faults.has('bind')) throw injected('bindCertificate');
      return inner.bindCertificate(binding);
    },
    async transitionPeer(id, from, to, at) {
      if (to === 'active' && faults.has('activatePeer')) throw injected('activate peer');
      if (to === 'pending' && faults.has('rollbackPeer')) throw injected('roll back peer');
      return inner.transitionPeer(id, from, to, at);
    },
    async transitionGrant(id, from, to, at) {
      if (to === 'active' && faults.has('dieBeforeGrant')) return new Promise<never>(() => {});
      if (to === 'active' && faults.has('activateGrant')) throw injected('activate grant');
      const moved = await inner.transitionGrant(id, from, to, at);
      if (to === 'active' && faults.has('activateGrantLost')) {
        if (faults.has('readBack')) readBackFails = true;
        throw injected('connection lost after commit');
      }
      return moved;
    },
    async getGrant(id) {
      if (readBackFails) {
        readBackFails = false;
        throw injected('getGrant (store down)');
      }
      return inner.getGrant(id);
    },
    async markCertificateRevoked(serial, at) {
      if (faults.has('markRevoked')) throw injected('markCertificateRevoked');
      return inner.markCertificateRevoked(serial, at);
    },
    async resolveCompensation(id, at) {
      if (faults.has('dieBeforeResolve')) return new Promise<never>(() => {});
      return inner.resolveCompensation(id, at);
    },
    async addCompensation(record) {
      if (faults.has('addCompensation')) throw injected('addCompensation');
      return inner.addCompensation(record);
    },
  };
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (key in overrides) return overrides[key as keyof FederationStore];
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The local CA, whose `revoke` fails while the `caRevoke` fault is on; records issued serials. */
function faultyCa(inner: LocalCa, faults: Set<Fault>) {
  const serials: string[] = [];
  const chains: string[][] = [];
  const ca: CertificateAuthority = {
    async issue(request) {
      const issued = await inner.issue(request);
      serials.push(issued.serial);
      chains.push(issued.chainPem);
      return issued;
    },
    renew: (request) => inner.renew(request),
    async revoke(request) {
      if (faults.has('caRevoke')) throw injected('CA revoke (CA unreachable)');
      return inner.revoke(request);
    },
    roots: () => inner.roots(),
    health: () => inner.health(),
  };
  return { ca, serials, chains };
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> | undefined }> = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, fields });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

async function setup() {
  const faults = new Set<Fault>();
  const real = memoryStore();
  const store = faultyStore(real, faults);
  const clock = manualClock(T0);
  const local = localCa({
    store: real,
    sealer: createSealer({
      keys: { k1: generateSealKey(systemRandom) },
      currentKeyId: 'k1',
      random: systemRandom,
    }),
    clock,
  });
  const { ca, serials, chains } = faultyCa(local, faults);
  const peer: Peer = {
    id: systemRandom.uuid(),
    name: PEER_NAME,
    tenantId: 't1',
    status: 'pending',
    createdAt: T0,
    updatedAt: T0,
  };
  const grant: Grant = {
    id: systemRandom.uuid(),
    tenantId: 't1',
    peerId: peer.id,
    subjectUserId: systemRandom.uuid(),
    scope: { resources: ['tasks'], max_rows_per_query: 10 },
    status: 'pending',
    createdAt: T0,
    activatedAt: null,
    revokedAt: null,
    expiresAt: null,
  };
  await real.createGrant(grant, peer);
  const { token } = await issueEnrollmentToken(
    { grantId: grant.id },
    { store: real, clock, random: systemRandom },
  );
  const { csrPem } = await makeCsr(PEER_NAME);
  const { logger, lines } = recordingLogger();
  const deps = { store, ca, clock, random: systemRandom, logger };
  return { faults, real, store, clock, local, ca, serials, chains, grant, peer, token, csrPem, deps, lines };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Whether the CA's signed CRL (verified with the intermediate that issued the leaf) lists `serial`. */
async function revokedAtCa(s: Setup, serial: string): Promise<boolean> {
  const crl = new x509.X509Crl(await s.local.crl());
  const intermediate = new x509.X509Certificate(s.chains[0]![0]!);
  expect(await crl.verify({ publicKey: intermediate.publicKey })).toBe(true);
  return crl.findRevoked(serial) !== null;
}

/** Fully enrolled: grant and peer active, the certificate bound and live, not on the CRL. */
async function expectEnrolled(s: Setup, serial: string) {
  expect((await s.real.getGrant(s.grant.id))?.status).toBe('active');
  expect((await s.real.getPeer(s.peer.id))?.status).toBe('active');
  expect(await s.real.getCertificateBinding(serial)).toMatchObject({ peerId: s.peer.id, revokedAt: null });
  expect(await revokedAtCa(s, serial)).toBe(false);
  expect(await s.real.listPendingCompensations()).toEqual([]);
}

/**
 * Rolled back: the certificate on the CRL, any binding revoked, the grant as before (an undone
 * activation whose answer was lost keeps only its `activatedAt` stamp), the peer pending.
 */
async function expectRolledBack(s: Setup, serial: string) {
  expect(await revokedAtCa(s, serial)).toBe(true);
  const binding = await s.real.getCertificateBinding(serial);
  if (binding) expect(binding.revokedAt).not.toBeNull();
  expect({ ...(await s.real.getGrant(s.grant.id)), activatedAt: null }).toEqual(s.grant);
  expect((await s.real.getPeer(s.peer.id))?.status).toBe('pending');
  expect(await s.real.listPendingCompensations()).toEqual([]);
}

async function attempt(s: Setup) {
  return enrollPeer({ token: s.token, csrPem: s.csrPem }, s.deps).then(
    (result) => ({ result, error: null }),
    (error: unknown) => {
      if (!isFedtrustError(error)) throw error;
      return { result: null, error };
    },
  );
}

describe('enrollPeer with the local CA', () => {
  it('enrols: returns a certificate carrying the grant identity, activates grant and peer, binds the serial', async () => {
    const s = await setup();
    const { result } = await attempt(s);
    expect(result).not.toBeNull();
    const der = new Uint8Array(x509.PemConverter.decodeFirst(result!.certificatePem));
    expect(readIdentity(der)).toEqual({ grantId: s.grant.id, subjectUserId: s.grant.subjectUserId });
    expect(result!.serial).toBe(s.serials[0]);
    expect(result!.grant).toMatchObject({ id: s.grant.id, status: 'active', activatedAt: T0 });
    expect(result!.peer).toMatchObject({ id: s.peer.id, status: 'active' });
    expect(result!.chainPem).toHaveLength(1);
    await expectEnrolled(s, result!.serial);
    expect(s.lines.map((l) => l.message)).toEqual(['peer enrolled']);
    expect(JSON.stringify(s.lines)).not.toContain(s.token);
  });

  it.each([
    ['binding the certificate', 'bind'],
    ['activating the peer', 'activatePeer'],
    ['activating the grant', 'activateGrant'],
  ] as const)(
    'rolls back when %s fails: 503 enrollment_aborted, certificate on the CRL, grant unchanged',
    async (_l, fault) => {
      const s = await setup();
      s.faults.add(fault);
      const { error } = await attempt(s);
      expect(error).toMatchObject({
        code: 'enrollment_aborted',
        status: 503,
        details: { serial: s.serials[0] },
      });
      s.faults.clear();
      expect(await retryCompensations(s.deps)).toEqual({
        resolved: [],
        inFlight: [],
        resolvedElsewhere: [],
        failed: [],
      });
      await expectRolledBack(s, s.serials[0]!);
    },
  );

  it('treats a lost answer from the final grant activation as success once the grant reads back active', async () => {
    const s = await setup();
    s.faults.add('activateGrantLost');
    const { result } = await attempt(s);
    expect(result?.grant.status).toBe('active');
    await expectEnrolled(s, s.serials[0]!);
  });

  it.each([
    ['binding the certificate', 'bind'],
    ['activating the peer', 'activatePeer'],
    ['activating the grant', 'activateGrant'],
  ] as const)(
    'when %s fails and the CA cannot revoke, writes a pending compensation that retryCompensations completes',
    async (_l, fault) => {
      const s = await setup();
      s.faults.add(fault).add('caRevoke');
      const { error } = await attempt(s);
      expect(error).toMatchObject({ code: 'enrollment_compensation_pending', status: 503 });
      const [pending] = await s.real.listPendingCompensations();
      expect(pending).toMatchObject({
        id: (error!.details as { compensationId: string }).compensationId,
        serial: s.serials[0],
        grantId: s.grant.id,
        peerId: s.peer.id,
        attempts: 1,
        resolvedAt: null,
      });
      expect(pending!.lastError).toContain('CA revoke');
      expect(await revokedAtCa(s, s.serials[0]!)).toBe(false);
      expect(s.lines.filter((l) => l.level === 'error').map((l) => l.fields?.['serial'])).toEqual([
        s.serials[0],
      ]);

      // The CA is still down: the attempt is counted and the record stays pending.
      const stillDown = await retryCompensations(s.deps);
      expect(stillDown.failed.map((f) => f.serial)).toEqual([s.serials[0]]);
      expect((await s.real.listPendingCompensations())[0]?.attempts).toBe(2);

      s.faults.clear();
      expect(await retryCompensations(s.deps)).toEqual({
        resolved: [pending!.id],
        inFlight: [],
        resolvedElsewhere: [],
        failed: [],
      });
      await expectRolledBack(s, s.serials[0]!);
    },
  );

  it('a peer stranded active by a failed rollback is returned to pending by retryCompensations', async () => {
    const s = await setup();
    s.faults.add('activateGrant').add('rollbackPeer');
    const { error } = await attempt(s);
    expect(error).toMatchObject({ code: 'enrollment_compensation_pending' });
    expect(await revokedAtCa(s, s.serials[0]!)).toBe(true);
    expect((await s.real.getPeer(s.peer.id))?.status).toBe('active');
    s.faults.clear();
    expect((await retryCompensations(s.deps)).resolved).toHaveLength(1);
    await expectRolledBack(s, s.serials[0]!);
  });

  it('when even the durable record fails, throws enrollment_compensation_failed naming the serial and logs it', async () => {
    const s = await setup();
    s.faults.add('activateGrant').add('caRevoke').add('addCompensation');
    const { error } = await attempt(s);
    expect(error).toMatchObject({
      code: 'enrollment_compensation_failed',
      status: 500,
      details: { serial: s.serials[0] },
    });
    expect(s.lines.find((l) => l.level === 'error')?.fields).toMatchObject({ serial: s.serials[0] });
    expect(await s.real.getGrant(s.grant.id)).toEqual(s.grant);
  });

  it('exactly one of racing retryCompensations passes resolves each pending compensation', async () => {
    const s = await setup();
    s.faults.add('bind').add('caRevoke');
    await attempt(s);
    s.faults.clear();
    const passes = await Promise.all(Array.from({ length: 4 }, () => retryCompensations(s.deps)));
    expect(passes.flatMap((p) => p.resolved)).toHaveLength(1);
    expect(passes.flatMap((p) => p.failed)).toEqual([]);
    await expectRolledBack(s, s.serials[0]!);
  });

  it('when the final activation commits but neither its answer nor the read-back arrives, the grant ends pending and the peer can enrol again', async () => {
    const s = await setup();
    s.faults.add('activateGrantLost').add('readBack');
    const { error } = await attempt(s);
    expect(error).toMatchObject({ code: 'enrollment_aborted', details: { serial: s.serials[0] } });
    s.faults.clear();
    await retryCompensations(s.deps);
    await expectRolledBack(s, s.serials[0]!);

    // Not stranded: the operator issues a new token and the peer enrols.
    const { token } = await issueEnrollmentToken(
      { grantId: s.grant.id },
      { store: s.real, clock: s.clock, random: systemRandom },
    );
    const again = await enrollPeer({ token, csrPem: (await makeCsr(PEER_NAME)).csrPem }, s.deps);
    await expectEnrolled(s, again.serial);
  });

  it('a process that dies between activating the peer and the grant leaves an intent that retryCompensations rolls back once past the in-flight grace', async () => {
    const s = await setup();
    s.faults.add('dieBeforeGrant');
    void attempt(s);
    await vi.waitFor(async () => expect((await s.real.getPeer(s.peer.id))?.status).toBe('active'));
    s.faults.clear();

    // A restarted process retries at once: the saga might still be running elsewhere.
    const early = await retryCompensations(s.deps);
    expect(early.inFlight).toHaveLength(1);
    expect(early.resolved).toEqual([]);
    expect(await revokedAtCa(s, s.serials[0]!)).toBe(false);

    s.clock.advance((ENROLLMENT_IN_FLIGHT_SECONDS + 1) * 1000);
    expect((await retryCompensations(s.deps)).resolved).toEqual(early.inFlight);
    await expectRolledBack(s, s.serials[0]!);
    const { token } = await issueEnrollmentToken(
      { grantId: s.grant.id },
      { store: s.real, clock: s.clock, random: systemRandom },
    );
    const again = await enrollPeer({ token, csrPem: (await makeCsr(PEER_NAME)).csrPem }, s.deps);
    await expectEnrolled(s, again.serial);
  });

  it('a process that dies after the last step leaves an enrollment that retryCompensations finds complete and never revokes', async () => {
    const s = await setup();
    s.faults.add('dieBeforeResolve');
    void attempt(s);
    await vi.waitFor(async () => expect((await s.real.getGrant(s.grant.id))?.status).toBe('active'));
    s.faults.clear();
    s.clock.advance((ENROLLMENT_IN_FLIGHT_SECONDS + 1) * 1000);
    expect((await retryCompensations(s.deps)).resolved).toHaveLength(1);
    await expectEnrolled(s, s.serials[0]!);
  });

  it('two tokens for one grant racing: exactly one enrolment wins, the loser certificate is revoked, the winner stays enrolled', async () => {
    for (let round = 0; round < 5; round++) {
      const s = await setup();
      const { token: second } = await issueEnrollmentToken(
        { grantId: s.grant.id },
        { store: s.real, clock: s.clock, random: systemRandom },
      );
      const other = (await makeCsr(PEER_NAME)).csrPem;
      const outcomes = await Promise.all([
        enrollPeer({ token: s.token, csrPem: s.csrPem }, s.deps).then(
          (r) => r,
          (e: { code: string }) => e.code,
        ),
        enrollPeer({ token: second, csrPem: other }, s.deps).then(
          (r) => r,
          (e: { code: string }) => e.code,
        ),
      ]);
      const winners = outcomes.filter((o) => typeof o !== 'string');
      expect(winners).toHaveLength(1);
      const loser = outcomes.find((o) => typeof o === 'string');
      expect(['enrollment_aborted', 'enrollment_state_invalid']).toContain(loser);
      await retryCompensations(s.deps);
      const winner = winners[0] as { serial: string };
      await expectEnrolled(s, winner.serial);
      for (const serial of s.serials.filter((x) => x !== winner.serial)) {
        expect(await revokedAtCa(s, serial)).toBe(true);
      }
      const live = (await s.real.listCertificateBindings({ peerId: s.peer.id })).filter(
        (b) => b.revokedAt === null,
      );
      expect(live.map((b) => b.serial)).toEqual([winner.serial]);
    }
  });

  it('after any combination of faults and one healthy retryCompensations, the peer is fully enrolled or its certificate is revoked at the CA with the grant unchanged', async () => {
    const recoverable = ALL_FAULTS.filter((f) => f !== 'addCompensation');
    await fc.assert(
      fc.asyncProperty(fc.subarray(recoverable), async (faults) => {
        const s = await setup();
        for (const f of faults) s.faults.add(f);
        const { result, error } = await attempt(s);
        s.faults.clear();
        await retryCompensations(s.deps);
        const serial = s.serials[0]!;
        if (result) {
          expect(error).toBeNull();
          await expectEnrolled(s, serial);
        } else {
          expect(['enrollment_aborted', 'enrollment_compensation_pending']).toContain(error!.code);
          await expectRolledBack(s, serial);
        }
      }),
      { numRuns: 40 },
    );
  });
});
