/**
 * `POST /fedtrust/v1/renew` over real TLS on 127.0.0.1: the guard's denies, the CSR checks,
 * binding before the answer, the rate limits, and compensation when binding fails.
 */
import 'reflect-metadata';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { localCa } from '@fedtrust/ca-local';
import {
  type CertificateAuthority,
  type FederationStore,
  retryCompensations,
  revokeGrant,
  suspendPeer,
} from '@fedtrust/core';
import { systemClock } from '@fedtrust/core/system';
import { memoryStore } from '@fedtrust/core/testing';
import * as x509 from '@peculiar/x509';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arraySource,
  type Enrolled,
  movableClock,
  mtlsAgent,
  startGateway,
  type TestGateway,
  testSealer,
} from '../test-support/gateway.js';
import { clientKey, csrFor } from '../test-support/pki.js';

const SCOPE = { resources: ['notes'], max_rows_per_query: 5 };
const agents: Agent[] = [];
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startGateway({ sources: { notes: arraySource([{ id: 'n1' }]) } });
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await gateway?.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

function agentFor(target: TestGateway, certificatePem: string, chainPem: string[], keyPem: string): Agent {
  const agent = mtlsAgent(target.rootsPem, certificatePem, chainPem, keyPem);
  agents.push(agent);
  return agent;
}

function enrolledAgent(target: TestGateway, enrolled: Enrolled): Agent {
  return agentFor(target, enrolled.certificatePem, enrolled.chainPem, enrolled.key.privateKeyPem);
}

async function call(target: TestGateway, agent: Agent, method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await request(`${target.url}${path}`, {
    dispatcher: agent,
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const answer: Answer = {
    status: response.statusCode,
    body: JSON.parse(await response.body.text()) as Record<string, unknown>,
    headers: response.headers,
  };
  return answer;
}

async function renew(target: TestGateway, agent: Agent, csrPem: string): Promise<Answer> {
  return call(target, agent, 'POST', '/fedtrust/v1/renew', { csrPem });
}

function expectError(answer: Answer, status: number, error: string): void {
  expect({ status: answer.status, error: answer.body['error'] }).toEqual({ status, error });
  expect(Object.keys(answer.body).sort()).toEqual(['error', 'reason']);
  expect(typeof answer.body['reason']).toBe('string');
}

async function renewAudit(target: TestGateway, grantId: string) {
  return (await target.store.listAudit('federation'))
    .filter((r) => r.event.grantId === grantId && r.event.verb === 'renew')
    .map((r) => r.event);
}

describe('POST /fedtrust/v1/renew', () => {
  it('issues a certificate with the same identity, binds it before answering, and the new certificate is served', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const renewedAfter = Date.now();
    const answer = await renew(
      gateway,
      enrolledAgent(gateway, enrolled),
      await csrFor(enrolled.key, enrolled.peer.name),
    );
    expect(answer.status).toBe(201);
    expect(Object.keys(answer.body).sort()).toEqual(['certificatePem', 'chainPem', 'notAfter', 'serial']);
    const serial = answer.body['serial'] as string;
    expect(serial).not.toBe(enrolled.serial);
    expect(await gateway.store.getCertificateBinding(serial)).toMatchObject({
      peerId: enrolled.peer.id,
      grantId: enrolled.grant.id,
      revokedAt: null,
    });
    // The old certificate retires after the default grace period: requests still in flight on it must not fail.
    const retiresAt = (await gateway.store.getCertificateBinding(enrolled.serial))?.revokedAt;
    expect(retiresAt?.getTime()).toBeGreaterThanOrEqual(renewedAfter + 300_000);
    expect(retiresAt?.getTime()).toBeLessThanOrEqual(Date.now() + 300_000);
    expect(
      (await call(gateway, enrolledAgent(gateway, enrolled), 'GET', '/fedtrust/v1/capabilities')).status,
    ).toBe(200);

    const renewed = agentFor(
      gateway,
      answer.body['certificatePem'] as string,
      answer.body['chainPem'] as string[],
      enrolled.key.privateKeyPem,
    );
    const capabilities = await call(gateway, renewed, 'GET', '/fedtrust/v1/capabilities');
    expect(capabilities.status).toBe(200);
    expect(capabilities.body['grantId']).toBe(enrolled.grant.id);
    expect(await renewAudit(gateway, enrolled.grant.id)).toEqual([
      expect.objectContaining({
        outcome: 'allow',
        reason: null,
        certSerial: enrolled.serial,
        subject: enrolled.grant.subjectUserId,
        resource: `certificate/${serial}`,
      }),
    ]);
  });

  it('accepts a CSR for a fresh key: the request is authenticated by the current certificate', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const fresh = await clientKey();
    const answer = await renew(
      gateway,
      enrolledAgent(gateway, enrolled),
      await csrFor(fresh, enrolled.peer.name),
    );
    expect(answer.status).toBe(201);
    const certificate = new X509Certificate(answer.body['certificatePem'] as string);
    expect(certificate.checkPrivateKey(createPrivateKey(fresh.privateKeyPem))).toBe(true);
  });

  it('denies a connection without a client certificate identity_missing', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const anonymous = new Agent({ connect: { ca: gateway.rootsPem } });
    agents.push(anonymous);
    const answer = await renew(gateway, anonymous, await csrFor(enrolled.key, enrolled.peer.name));
    expectError(answer, 401, 'identity_missing');
  });

  it('denies a certificate whose grant was revoked grant_revoked', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    await revokeGrant(enrolled.grant.id, { store: gateway.store, clock: systemClock });
    const answer = await renew(
      gateway,
      enrolledAgent(gateway, enrolled),
      await csrFor(enrolled.key, enrolled.peer.name),
    );
    expectError(answer, 403, 'grant_revoked');
    expect(await gateway.store.listCertificateBindings({ peerId: enrolled.peer.id })).toHaveLength(1);
    expect(await renewAudit(gateway, enrolled.grant.id)).toEqual([
      expect.objectContaining({ outcome: 'deny', reason: 'grant_revoked', certSerial: enrolled.serial }),
    ]);
  });

  it('denies a certificate whose peer is suspended peer_suspended', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    await suspendPeer(enrolled.peer.id, { store: gateway.store, clock: systemClock });
    const answer = await renew(
      gateway,
      enrolledAgent(gateway, enrolled),
      await csrFor(enrolled.key, enrolled.peer.name),
    );
    expectError(answer, 403, 'peer_suspended');
    expect(await gateway.store.listCertificateBindings({ peerId: enrolled.peer.id })).toHaveLength(1);
  });

  it('denies a certificate the CA issued but nobody bound cert_not_bound, on renew and on every verb', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const key = await clientKey();
    const unbound = await gateway.ca.issue({
      csrPem: await csrFor(key, enrolled.peer.name),
      commonName: enrolled.peer.name,
      grantId: enrolled.grant.id,
      subjectUserId: enrolled.grant.subjectUserId,
    });
    const agent = agentFor(gateway, unbound.certificatePem, unbound.chainPem, key.privateKeyPem);
    expectError(await renew(gateway, agent, await csrFor(key, enrolled.peer.name)), 403, 'cert_not_bound');
    expectError(await call(gateway, agent, 'GET', '/fedtrust/v1/capabilities'), 403, 'cert_not_bound');
    expect(await gateway.store.getCertificateBinding(unbound.serial)).toBeNull();
  });

  it('refuses a CSR whose common name is not the peer name with a typed 400 and issues nothing', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const answer = await renew(
      gateway,
      enrolledAgent(gateway, enrolled),
      await csrFor(enrolled.key, 'someone-else'),
    );
    expectError(answer, 400, 'renewal_csr_mismatch');
    expect(await gateway.store.listCertificateBindings({ peerId: enrolled.peer.id })).toHaveLength(1);
    expect(await renewAudit(gateway, enrolled.grant.id)).toEqual([
      expect.objectContaining({ outcome: 'deny', reason: 'renewal_csr_mismatch', resource: null }),
    ]);
  });

  it('refuses a CSR whose signature does not verify, and a body without one, with typed 400s', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const agent = enrolledAgent(gateway, enrolled);
    const csr = new x509.Pkcs10CertificateRequest(await csrFor(enrolled.key, enrolled.peer.name));
    const tampered = new Uint8Array(csr.rawData);
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0xff;
    const tamperedPem = x509.PemConverter.encode(tampered.buffer as ArrayBuffer, 'CERTIFICATE REQUEST');
    expectError(await renew(gateway, agent, tamperedPem), 400, 'renewal_csr_invalid');
    expectError(await call(gateway, agent, 'POST', '/fedtrust/v1/renew', {}), 400, 'body_invalid');
    expect(await gateway.store.listCertificateBindings({ peerId: enrolled.peer.id })).toHaveLength(1);
  });

  it('spends the per-grant budgets on every attempt, a refused replay included, and answers 429 past them', async () => {
    await using limited = await startGateway({
      rateLimit: { points: 4, durationSeconds: 60 },
      renewal: { rateLimit: { points: 2, durationSeconds: 3600 } },
    });
    const enrolled = await limited.enrol(SCOPE);
    const agent = enrolledAgent(limited, enrolled);
    const csrPem = await csrFor(enrolled.key, enrolled.peer.name);
    const first = await renew(limited, agent, csrPem);
    expect(first.status).toBe(201);
    expectError(await renew(limited, agent, csrPem), 403, 'renewal_superseded');
    const renewed = agentFor(
      limited,
      first.body['certificatePem'] as string,
      first.body['chainPem'] as string[],
      enrolled.key.privateKeyPem,
    );
    const limitedAnswer = await renew(limited, renewed, csrPem);
    expectError(limitedAnswer, 429, 'rate_limited');
    expect(Number(limitedAnswer.headers['retry-after'])).toBeGreaterThan(0);
    // 3 renew attempts spent 3 points of the grant's budget of 4: one call left, then 429.
    expect((await call(limited, renewed, 'GET', '/fedtrust/v1/capabilities')).status).toBe(200);
    expectError(await call(limited, renewed, 'GET', '/fedtrust/v1/capabilities'), 429, 'rate_limited');
    // Budgets are per grant: another grant on the same gateway still renews.
    const other = await limited.enrol(SCOPE);
    const otherAnswer = await renew(
      limited,
      enrolledAgent(limited, other),
      await csrFor(other.key, other.peer.name),
    );
    expect(otherAnswer.status).toBe(201);
    expect(await limited.store.listCertificateBindings({ peerId: enrolled.peer.id })).toHaveLength(2);
  });

  it('answers 404 when renewal is turned off', async () => {
    await using off = await startGateway({ renewal: false });
    const enrolled = await off.enrol(SCOPE);
    const answer = await renew(
      off,
      enrolledAgent(off, enrolled),
      await csrFor(enrolled.key, enrolled.peer.name),
    );
    expectError(answer, 404, 'not_found');
  });
});

describe('when binding fails after issuance', () => {
  let failBinds = false;
  let failRevokes = false;
  let store: FederationStore;
  let ca: ReturnType<typeof localCa>;
  let failing: TestGateway;

  beforeAll(async () => {
    const inner = memoryStore();
    store = new Proxy(inner, {
      get(target, property, receiver) {
        if (property === 'bindCertificate' && failBinds) {
          return async () => {
            throw new Error('the store lost its connection');
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    ca = localCa({ store: inner, sealer: testSealer(), name: 'ca-failing' });
    const enrollmentCa: CertificateAuthority = {
      issue: (r) => ca.issue(r),
      renew: (r) => ca.renew(r),
      roots: () => ca.roots(),
      health: () => ca.health(),
      revoke: async (r) => {
        if (failRevokes) throw new Error('the CA is unreachable');
        return ca.revoke(r);
      },
    };
    failing = await startGateway({ name: 'failing', store, ca, enrollmentCa });
  });

  afterAll(async () => {
    await failing?.close();
  });

  async function revokedSerials(): Promise<string[]> {
    const crl = new x509.X509Crl(await ca.crl());
    return crl.entries.map((entry) => entry.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ''));
  }

  it('revokes the new certificate, answers 503 renewal_aborted, and the current certificate keeps working', async () => {
    const enrolled = await failing.enrol(SCOPE);
    const agent = enrolledAgent(failing, enrolled);
    failBinds = true;
    let answer: Answer;
    try {
      answer = await renew(failing, agent, await csrFor(enrolled.key, enrolled.peer.name));
    } finally {
      failBinds = false;
    }
    expectError(answer, 503, 'renewal_aborted');
    const [event] = await renewAudit(failing, enrolled.grant.id);
    expect(event).toMatchObject({ outcome: 'deny', reason: 'renewal_aborted' });
    const serial = (event?.resource ?? '').replace('certificate/', '');
    expect(serial).not.toBe('');
    expect(await revokedSerials()).toContain(serial);
    expect(await store.getCertificateBinding(serial)).toBeNull();
    expect(await store.listPendingCompensations()).toEqual([]);
    expect((await call(failing, agent, 'GET', '/fedtrust/v1/capabilities')).status).toBe(200);
  });

  it('records a durable compensation when the revocation fails too, which retryCompensations finishes without touching the active peer', async () => {
    const enrolled = await failing.enrol(SCOPE);
    const agent = enrolledAgent(failing, enrolled);
    failBinds = true;
    failRevokes = true;
    let answer: Answer;
    try {
      answer = await renew(failing, agent, await csrFor(enrolled.key, enrolled.peer.name));
    } finally {
      failBinds = false;
      failRevokes = false;
    }
    expectError(answer, 503, 'renewal_compensation_pending');
    const pending = await store.listPendingCompensations();
    expect(pending).toHaveLength(1);
    const serial = pending[0]?.serial as string;
    expect(pending[0]).toMatchObject({ grantId: enrolled.grant.id, peerId: enrolled.peer.id, attempts: 1 });
    expect(await revokedSerials()).not.toContain(serial);

    const result = await retryCompensations({ store, ca, clock: systemClock });
    expect(result.resolved).toEqual([pending[0]?.id]);
    expect(await revokedSerials()).toContain(serial);
    expect((await store.getPeer(enrolled.peer.id))?.status).toBe('active');
    expect((await store.getGrant(enrolled.grant.id))?.status).toBe('active');
    expect((await call(failing, agent, 'GET', '/fedtrust/v1/capabilities')).status).toBe(200);
  });
});

describe('renewal retires the certificate it replaces', () => {
  const clock = movableClock();
  let retiring: TestGateway;

  beforeAll(async () => {
    retiring = await startGateway({ name: 'retiring', clock, renewal: { retireAfterSeconds: 60 } });
  });

  afterAll(async () => {
    await retiring?.close();
  });

  async function renewed(enrolled: Enrolled) {
    const answer = await renew(
      retiring,
      enrolledAgent(retiring, enrolled),
      await csrFor(enrolled.key, enrolled.peer.name),
    );
    expect(answer.status).toBe(201);
    return {
      serial: answer.body['serial'] as string,
      agent: agentFor(
        retiring,
        answer.body['certificatePem'] as string,
        answer.body['chainPem'] as string[],
        enrolled.key.privateKeyPem,
      ),
    };
  }

  it('keeps the old certificate serving for retireAfterSeconds, then denies it cert_not_bound; the new one keeps serving', async () => {
    const enrolled = await retiring.enrol(SCOPE);
    const oldAgent = enrolledAgent(retiring, enrolled);
    const before = clock.now().getTime();
    const next = await renewed(enrolled);
    const retiresAt = (await retiring.store.getCertificateBinding(enrolled.serial))?.revokedAt?.getTime();
    expect(retiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(retiresAt).toBeLessThanOrEqual(clock.now().getTime() + 60_000);
    expect((await call(retiring, oldAgent, 'GET', '/fedtrust/v1/capabilities')).status).toBe(200);
    clock.advance(61_000);
    expectError(await call(retiring, oldAgent, 'GET', '/fedtrust/v1/capabilities'), 403, 'cert_not_bound');
    expect((await call(retiring, next.agent, 'GET', '/fedtrust/v1/capabilities')).status).toBe(200);
    expect((await retiring.store.getCertificateBinding(next.serial))?.revokedAt).toBeNull();
  });

  it('refuses a second renewal from the replaced certificate 403 renewal_superseded, audited, issuing nothing; the new one renews', async () => {
    const enrolled = await retiring.enrol(SCOPE);
    const next = await renewed(enrolled);
    const replay = await renew(
      retiring,
      enrolledAgent(retiring, enrolled),
      await csrFor(enrolled.key, enrolled.peer.name),
    );
    expectError(replay, 403, 'renewal_superseded');
    expect(await retiring.store.listCertificateBindings({ peerId: enrolled.peer.id })).toHaveLength(2);
    expect((await renewAudit(retiring, enrolled.grant.id)).at(-1)).toMatchObject({
      outcome: 'deny',
      reason: 'renewal_superseded',
      certSerial: enrolled.serial,
      resource: null,
    });
    const third = await renew(retiring, next.agent, await csrFor(enrolled.key, enrolled.peer.name));
    expect(third.status).toBe(201);
    expect((await retiring.store.getCertificateBinding(next.serial))?.revokedAt).not.toBeNull();
  });

  it('lets only the newest unrevoked binding of the peer renew (by notBefore): a newer one supersedes, an older one does not', async () => {
    const enrolled = await retiring.enrol(SCOPE);
    const mine = (await retiring.store.getCertificateBinding(enrolled.serial))!;
    const older = {
      ...mine,
      serial: 'a0000000000000000000000000000001',
      notBefore: new Date(mine.notBefore.getTime() - 86_400_000),
    };
    await retiring.store.bindCertificate(older);
    await renewed(enrolled);

    const other = await retiring.enrol(SCOPE);
    const bound = (await retiring.store.getCertificateBinding(other.serial))!;
    // A newer certificate bound outside the route (a host-managed CA) and never retired.
    await retiring.store.bindCertificate({
      ...bound,
      serial: 'b0000000000000000000000000000002',
      notBefore: new Date(bound.notBefore.getTime() + 1_000),
    });
    const answer = await renew(
      retiring,
      enrolledAgent(retiring, other),
      await csrFor(other.key, other.peer.name),
    );
    expectError(answer, 403, 'renewal_superseded');
    expect(await retiring.store.listCertificateBindings({ peerId: other.peer.id })).toHaveLength(2);
  });
});

describe('concurrent renewals from one certificate', () => {
  const RACERS = 5;
  let armed = false;
  let waiting: Array<() => void> = [];
  let inner: FederationStore;
  let ca: ReturnType<typeof localCa>;
  let racing: TestGateway;

  beforeAll(async () => {
    inner = memoryStore();
    ca = localCa({ store: inner, sealer: testSealer(), name: 'ca-racing' });
    // Holds every issuance until all racers have one in flight, so each has passed the newest-certificate check.
    const barrier: CertificateAuthority = {
      issue: async (r) => {
        if (armed) {
          await new Promise<void>((resolve) => {
            waiting.push(resolve);
            if (waiting.length === RACERS) for (const release of waiting) release();
          });
        }
        return ca.issue(r);
      },
      renew: (r) => ca.renew(r),
      roots: () => ca.roots(),
      health: () => ca.health(),
      revoke: (r) => ca.revoke(r),
    };
    racing = await startGateway({ name: 'racing', store: inner, ca, renewal: { ca: barrier } });
  });

  afterAll(async () => {
    await racing?.close();
  });

  it(`${RACERS} renewals racing past the check: exactly one gets a certificate, the others 403 renewal_superseded with theirs revoked`, async () => {
    const enrolled = await racing.enrol(SCOPE);
    const csrPem = await csrFor(enrolled.key, enrolled.peer.name);
    armed = true;
    waiting = [];
    let answers: Answer[];
    try {
      answers = await Promise.all(
        Array.from({ length: RACERS }, () => renew(racing, enrolledAgent(racing, enrolled), csrPem)),
      );
    } finally {
      armed = false;
    }
    const winners = answers.filter((a) => a.status === 201);
    expect(winners).toHaveLength(1);
    for (const loser of answers.filter((a) => a.status !== 201))
      expectError(loser, 403, 'renewal_superseded');

    const winner = winners[0]?.body['serial'] as string;
    const bindings = await inner.listCertificateBindings({ peerId: enrolled.peer.id });
    expect(bindings).toHaveLength(RACERS + 1);
    expect(bindings.filter((b) => b.revokedAt === null).map((b) => b.serial)).toEqual([winner]);
    const now = Date.now();
    const losers = bindings.filter((b) => b.serial !== winner && b.serial !== enrolled.serial);
    for (const b of losers) expect(b.revokedAt?.getTime()).toBeLessThanOrEqual(now);
    const crl = new x509.X509Crl(await ca.crl());
    const revoked = crl.entries.map((e) => e.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ''));
    for (const b of losers) expect(revoked).toContain(b.serial);
    expect(revoked).not.toContain(winner);
    const audit = await renewAudit(racing, enrolled.grant.id);
    expect(audit.filter((e) => e.outcome === 'allow').map((e) => e.resource)).toEqual([
      `certificate/${winner}`,
    ]);
    expect(audit.filter((e) => e.reason === 'renewal_superseded')).toHaveLength(RACERS - 1);
  });
});

describe('renewal options', () => {
  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses retireAfterSeconds %s at construction',
    async (value) => {
      await expect(startGateway({ renewal: { retireAfterSeconds: value } })).rejects.toThrow(TypeError);
    },
  );
});
