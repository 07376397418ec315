/**
 * Acceptance over real TLS on 127.0.0.1: one test per deny reason provoked by a real client,
 * revocation on an open connection, the row cap, the audit chain, and the error shapes.
 */
import { randomUUID } from 'node:crypto';
import { connect, type PeerCertificate } from 'node:tls';
import { DENY_REMEDIATION, encodeIdentity, revokeGrant, revokePeer, suspendPeer } from '@fedtrust/core';
import { systemClock } from '@fedtrust/core/system';
import { memoryStore } from '@fedtrust/core/testing';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arraySource,
  type Enrolled,
  movableClock,
  mtlsAgent,
  SUBJECT,
  startGateway,
  type TestGateway,
} from '../test-support/gateway.js';
import {
  clientKey,
  csrFor,
  identityExtensions,
  leaf,
  rawExtension,
  type TestCa,
  testCa,
} from '../test-support/pki.js';

const NOTES = Array.from({ length: 10 }, (_, i) => ({ id: `n${i}`, title: `note ${i}` }));
const SCOPE = {
  resources: ['notes', 'files'],
  excluded_resources: ['secrets'],
  max_rows_per_query: 3,
  verbs: ['list', 'get'],
};

const clock = movableClock();
let gateway: TestGateway;
let rogueCa: TestCa;
const agents: Agent[] = [];

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
}

async function call(agent: Agent, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
  const response = await request(`${gateway.url}${path}`, {
    dispatcher: agent,
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    body: JSON.parse(text) as Record<string, unknown>,
    headers: response.headers,
    bytes: Buffer.byteLength(text),
  };
}

function agentFor(enrolled: Pick<Enrolled, 'certificatePem' | 'chainPem' | 'key'>): Agent {
  const agent = mtlsAgent(
    gateway.rootsPem,
    enrolled.certificatePem,
    enrolled.chainPem,
    enrolled.key.privateKeyPem,
  );
  agents.push(agent);
  return agent;
}

/** A client whose certificate the rogue-but-pinned test CA signed with exactly `extensions`. */
async function agentWithExtensions(
  extensions: ReturnType<typeof identityExtensions>,
  issuer: TestCa | null = rogueCa,
) {
  const key = await clientKey();
  const cert = await leaf(key, issuer, extensions);
  return agentFor({ certificatePem: cert.certificatePem, chainPem: [], key });
}

function expectDeny(answer: Answer, status: number, reason: keyof typeof DENY_REMEDIATION) {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({ error: reason, reason: DENY_REMEDIATION[reason] });
}

beforeAll(async () => {
  rogueCa = await testCa('pinned test ca');
  gateway = await startGateway({
    clock,
    extraClientRootsPem: [rogueCa.certificatePem],
    sources: { notes: arraySource(NOTES), files: arraySource([{ id: 'f1' }]) },
    authorize: ({ resource }) => resource !== 'files',
  });
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await gateway?.close();
});

describe('identity stage', () => {
  it('denies a client without a certificate identity_missing', async () => {
    const bare = new Agent({ connect: { ca: gateway.rootsPem } });
    agents.push(bare);
    expectDeny(await call(bare, 'GET', '/fedtrust/v1/capabilities'), 401, 'identity_missing');
  });

  it('drops a self-signed certificate with valid-looking extensions at the TLS layer', async () => {
    const { grant } = await gateway.enrol(SCOPE);
    const agent = await agentWithExtensions(
      identityExtensions({ grantId: grant.id, subjectUserId: grant.subjectUserId }),
      null,
    );
    const before = (await gateway.store.listAudit('federation')).length;
    await expect(call(agent, 'GET', '/fedtrust/v1/capabilities')).rejects.toMatchObject({
      code: 'UND_ERR_SOCKET',
    });
    // The socket is destroyed right after the handshake; a request already buffered may
    // still reach the handler, which sees an unverified socket and can only deny it.
    const recorded = (await gateway.store.listAudit('federation')).slice(before).map((r) => r.event);
    expect(recorded.every((e) => e.outcome === 'deny' && e.reason === 'identity_missing')).toBe(true);
  });

  it('denies a verified certificate without identity extensions identity_missing', async () => {
    expectDeny(
      await call(await agentWithExtensions([]), 'GET', '/fedtrust/v1/capabilities'),
      401,
      'identity_missing',
    );
  });

  it('denies a certificate carrying the grant extension twice identity_duplicate', async () => {
    const ext = identityExtensions({ grantId: randomUUID(), subjectUserId: SUBJECT });
    const agent = await agentWithExtensions([...ext, ext[0]!]);
    expectDeny(await call(agent, 'GET', '/fedtrust/v1/capabilities'), 401, 'identity_duplicate');
  });

  it('denies a certificate whose grant extension is not a UTF8String UUID identity_malformed', async () => {
    const oids = encodeIdentity({ grantId: randomUUID(), subjectUserId: SUBJECT });
    const agent = await agentWithExtensions([
      rawExtension(oids.grantId.oid, Uint8Array.from([0x02, 0x01, 0x05])),
      rawExtension(oids.subjectUserId.oid, oids.subjectUserId.der),
    ]);
    expectDeny(await call(agent, 'GET', '/fedtrust/v1/capabilities'), 401, 'identity_malformed');
  });
});

describe('grant and binding stages', () => {
  it('denies an unknown grant grant_unknown', async () => {
    const agent = await agentWithExtensions(
      identityExtensions({ grantId: randomUUID(), subjectUserId: SUBJECT }),
    );
    expectDeny(await call(agent, 'GET', '/fedtrust/v1/capabilities'), 403, 'grant_unknown');
  });

  it('denies a pending grant grant_pending', async () => {
    const { grant } = await gateway.grant(SCOPE);
    const agent = await agentWithExtensions(
      identityExtensions({ grantId: grant.id, subjectUserId: SUBJECT }),
    );
    expectDeny(await call(agent, 'GET', '/fedtrust/v1/capabilities'), 403, 'grant_pending');
  });

  it('denies a revoked grant grant_revoked', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    await revokeGrant(enrolled.grant.id, { store: gateway.store, clock: systemClock });
    expectDeny(await call(agentFor(enrolled), 'GET', '/fedtrust/v1/capabilities'), 403, 'grant_revoked');
  });

  it('denies an expired grant grant_expired', async () => {
    const enrolled = await gateway.enrol(SCOPE, { expiresAt: new Date(Date.now() + 3_600_000) });
    const agent = agentFor(enrolled);
    expect((await call(agent, 'GET', '/fedtrust/v1/capabilities')).status).toBe(200);
    clock.advance(2 * 3_600_000);
    try {
      expectDeny(await call(agent, 'GET', '/fedtrust/v1/capabilities'), 403, 'grant_expired');
    } finally {
      clock.advance(-2 * 3_600_000);
    }
  });

  it('denies a suspended peer peer_suspended and a revoked one peer_revoked', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const agent = agentFor(enrolled);
    await suspendPeer(enrolled.peer.id, { store: gateway.store, clock: systemClock });
    expectDeny(await call(agent, 'GET', '/fedtrust/v1/capabilities'), 403, 'peer_suspended');
    await revokePeer(enrolled.peer.id, { store: gateway.store, clock: systemClock });
    expectDeny(await call(agent, 'GET', '/fedtrust/v1/capabilities'), 403, 'peer_revoked');
  });

  it('denies a certificate naming another subject than the grant subject_mismatch', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const agent = await agentWithExtensions(
      identityExtensions({ grantId: enrolled.grant.id, subjectUserId: randomUUID() }),
    );
    expectDeny(await call(agent, 'GET', '/fedtrust/v1/capabilities'), 403, 'subject_mismatch');
  });

  it('denies a valid-looking certificate that was never bound to the peer cert_not_bound', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const agent = await agentWithExtensions(
      identityExtensions({ grantId: enrolled.grant.id, subjectUserId: enrolled.grant.subjectUserId }),
    );
    expectDeny(await call(agent, 'GET', '/fedtrust/v1/capabilities'), 403, 'cert_not_bound');
  });
});

describe('scope, RBAC and the row cap', () => {
  let agent: Agent;
  beforeAll(async () => {
    agent = agentFor(await gateway.enrol(SCOPE));
  });

  it('answers capabilities with what the grant allows', async () => {
    const answer = await call(agent, 'GET', '/fedtrust/v1/capabilities');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      gateway: 'work',
      resources: ['notes', 'files'],
      excludedResources: ['secrets'],
      maxRowsPerQuery: 3,
      verbs: ['list', 'get'],
    });
  });

  it('denies an excluded resource resource_excluded', async () => {
    expectDeny(await call(agent, 'POST', '/fedtrust/v1/list/secrets', {}), 403, 'resource_excluded');
  });

  it('denies a resource outside the grant resource_not_granted', async () => {
    expectDeny(await call(agent, 'POST', '/fedtrust/v1/list/tasks', {}), 403, 'resource_not_granted');
  });

  it('denies a verb the scope does not list verb_not_allowed', async () => {
    expectDeny(
      await call(agent, 'POST', '/fedtrust/v1/search/notes', { query: 'note' }),
      403,
      'verb_not_allowed',
    );
  });

  it('denies what the host RBAC refuses the subject user rbac_denied', async () => {
    expectDeny(await call(agent, 'POST', '/fedtrust/v1/list/files', {}), 403, 'rbac_denied');
  });

  it('serves at most max_rows_per_query rows even when the source returns more, each tagged _source', async () => {
    const answer = await call(agent, 'POST', '/fedtrust/v1/list/notes', {});
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      rows: NOTES.slice(0, 3).map((row) => ({ ...row, _source: 'work' })),
      truncated: true,
    });
    const fewer = await call(agent, 'POST', '/fedtrust/v1/list/notes', { limit: 2 });
    expect((fewer.body['rows'] as unknown[]).length).toBe(2);
  });

  it('answers get with the row, or null when the source has none', async () => {
    expect((await call(agent, 'POST', '/fedtrust/v1/get/notes/n4', {})).body).toEqual({
      row: { id: 'n4', title: 'note 4', _source: 'work' },
    });
    expect((await call(agent, 'POST', '/fedtrust/v1/get/notes/zz', {})).body).toEqual({ row: null });
  });

  it('appends every decision to the audit chain with rows and bytes out', async () => {
    const answer = await call(agent, 'POST', '/fedtrust/v1/list/notes', { limit: 1 });
    const denied = await call(agent, 'POST', '/fedtrust/v1/list/secrets', {});
    const [allowRecord, denyRecord] = await gateway.store.tailAudit('federation', 2);
    expect(allowRecord?.event).toMatchObject({
      verb: 'list',
      resource: 'notes',
      outcome: 'allow',
      reason: null,
      rowsOut: 1,
      bytesOut: answer.bytes,
      subject: SUBJECT,
    });
    expect(denyRecord?.event).toMatchObject({
      verb: 'list',
      resource: 'secrets',
      outcome: 'deny',
      reason: 'resource_excluded',
      rowsOut: 0,
      bytesOut: denied.bytes,
    });
    expect(denyRecord?.prevHash).toBe(allowRecord?.hash);
  });

  it('rejects a bad body with a JSON error and no rows', async () => {
    const answer = await call(agent, 'POST', '/fedtrust/v1/list/notes', { limit: -1 });
    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body).sort()).toEqual(['error', 'reason']);
    expect(answer.body['error']).toBe('body_invalid');
  });

  it('answers unknown routes and wrong methods with JSON errors', async () => {
    const missing = await call(agent, 'GET', '/nothing/here');
    expect(missing.status).toBe(404);
    expect(missing.body['error']).toBe('not_found');
    const wrong = await call(agent, 'GET', '/fedtrust/v1/list/notes');
    expect(wrong.status).toBe(405);
    expect(Object.keys(wrong.body).sort()).toEqual(['error', 'reason']);
  });
});

describe('revocation on an open connection', () => {
  it('denies the very next request on an already-open connection grant_revoked', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const agent = agentFor(enrolled);
    const served: unknown[] = [];
    const note = (req: { socket: unknown }) => {
      served.push(req.socket);
    };
    gateway.server.server.on('request', note);
    try {
      for (let i = 0; i < 3; i++)
        expect((await call(agent, 'POST', '/fedtrust/v1/list/notes', {})).status).toBe(200);
      const open = new Set(served);
      await revokeGrant(enrolled.grant.id, { store: gateway.store, clock: systemClock });
      expectDeny(await call(agent, 'POST', '/fedtrust/v1/list/notes', {}), 403, 'grant_revoked');
      expect(open.has(served.at(-1))).toBe(true);
    } finally {
      gateway.server.server.off('request', note);
    }
  });
});

describe('enrollment', () => {
  it('answers a replayed token 410 and an unknown token 404', async () => {
    const { token, peer } = await gateway.grant(SCOPE);
    const key = await clientKey();
    const csrPem = await csrFor(key, peer.name);
    expect((await gateway.enrollRaw({ token, csrPem })).status).toBe(201);
    const replay = await gateway.enrollRaw({ token, csrPem });
    expect(replay.status).toBe(410);
    expect(Object.keys(replay.body).sort()).toEqual(['error', 'reason']);
    const unknown = await gateway.enrollRaw({ token: `${token.slice(0, -4)}AAAA`, csrPem });
    expect(unknown.status).toBe(404);
    expect(Object.keys(unknown.body).sort()).toEqual(['error', 'reason']);
  });

  it('answers an expired token 410', async () => {
    const { token, peer } = await gateway.grant(SCOPE);
    const csrPem = await csrFor(await clientKey(), peer.name);
    clock.advance(60 * 60_000);
    try {
      expect((await gateway.enrollRaw({ token, csrPem })).status).toBe(410);
    } finally {
      clock.advance(-60 * 60_000);
    }
  });

  it('rejects a body without token and CSR 400', async () => {
    const answer = await gateway.enrollRaw({ token: 42 });
    expect(answer).toEqual({ status: 400, body: { error: 'body_invalid', reason: expect.any(String) } });
  });
});

describe('server certificate rotation', () => {
  it('serves a new certificate to new handshakes without dropping an open connection', async () => {
    const agent = agentFor(await gateway.enrol(SCOPE));
    expect((await call(agent, 'GET', '/fedtrust/v1/capabilities')).status).toBe(200);
    const before = await serverCertificate();
    const next = await gateway.ca.serverCertificate({ hostnames: ['127.0.0.1'] });
    gateway.server.setSecureContext({
      certificatePem: next.certificatePem,
      chainPem: next.chainPem,
      keyPem: next.privateKeyPem,
    });
    expect((await call(agent, 'GET', '/fedtrust/v1/capabilities')).status).toBe(200);
    const after = await serverCertificate();
    expect(after.serialNumber.toLowerCase()).not.toBe(before.serialNumber.toLowerCase());
    expect(after.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(next.serial.replace(/^0+/, ''));
  });
});

function serverCertificate(): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: gateway.address.port, ca: gateway.rootsPem }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.once('error', reject);
  });
}

describe('fail closed', () => {
  it('answers 503 and sends no rows when the audit append fails; a deny keeps its status', async () => {
    const store = memoryStore();
    const broken = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'appendAudit') return () => Promise.reject(new Error('disk full'));
        return Reflect.get(target, property, receiver);
      },
    });
    const failing = await startGateway({
      name: 'broken',
      store: broken,
      sources: { notes: arraySource(NOTES) },
    });
    const saved = gateway;
    try {
      gateway = failing;
      const agent = agentFor(await failing.enrol(SCOPE));
      const answer = await call(agent, 'POST', '/fedtrust/v1/list/notes', {});
      expectDeny(answer, 503, 'decision_failed');
      expectDeny(await call(agent, 'POST', '/fedtrust/v1/list/secrets', {}), 403, 'resource_excluded');
    } finally {
      gateway = saved;
      await failing.close();
    }
  });
});

describe('secrets in logs', () => {
  it('never logs an enrollment token or a private key, even on failure paths', async () => {
    const lines: string[] = [];
    const capture = (level: string) => (message: string, fields?: Record<string, unknown>) => {
      lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
    };
    const logger = {
      debug: capture('debug'),
      info: capture('info'),
      warn: capture('warn'),
      error: capture('error'),
    };
    const store = memoryStore();
    const broken = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'appendAudit') return () => Promise.reject(new Error('disk full'));
        return Reflect.get(target, property, receiver);
      },
    });
    const logged = await startGateway({
      name: 'logged',
      store: broken,
      logger,
      sources: { notes: arraySource(NOTES) },
    });
    try {
      const { token, peer } = await logged.grant(SCOPE);
      const key = await clientKey();
      const csrPem = await csrFor(key, peer.name);
      expect((await logged.enrollRaw({ token, csrPem })).status).toBe(201);
      expect((await logged.enrollRaw({ token, csrPem })).status).toBe(410);
      expect(lines.length).toBeGreaterThan(0);
      const all = lines.join('\n');
      expect(all).not.toContain(token);
      expect(all).not.toContain(token.slice(4, 20));
      expect(all).not.toContain('PRIVATE KEY');
      expect(all).not.toContain(key.privateKeyPem.split('\n')[1] ?? '');
    } finally {
      await logged.close();
    }
  });
});
