/**
 * Acceptance: `fedtrust explain` (the built binary) for every deny reason of DESIGN.md's
 * inbound pipeline and for an allow, each checked against the live guard on the same store.
 */
import type { webcrypto } from 'node:crypto';
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import {
  DENY_REMEDIATION,
  type DenyReason,
  type FederationStore,
  type Grant,
  guard,
  identifyConnection,
  type Scope,
  type Verb,
} from '@fedtrust/core';
import { systemClock } from '@fedtrust/core/system';
import { identityKeyPair } from '@fedtrust/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAuthorizer, loadHostFile } from '../src/compose/host-file.js';
import { ensureBuilt, fedtrust } from './support/built-cli.js';
import { OTHER_SUBJECT, SUBJECT, workspace } from './support/demo.js';
import { addGrant, bind, clientCertificate } from './support/guard-records.js';

const ws = workspace();
const HOST = {
  resources: { documents: {}, notes: {}, tasks: {}, hr_records: { sensitive: true } },
  rbac: [{ subject: SUBJECT, verbs: '*', resources: ['documents', 'tasks', 'hr_records'] }],
};
const env = { FEDTRUST_STORE: 'sqlite:./explain.db', FEDTRUST_RESOURCES: ws.write('host.json', HOST) };
const SCOPE: Scope = {
  resources: ['documents', 'notes'],
  excluded_resources: ['hr_records'],
  filters: { documents: { include_teams: ['ops'], include_personal: false } },
  verbs: ['list', 'get'],
  max_rows_per_query: 25,
};

interface Case {
  name: string;
  cert: string;
  verb: Verb;
  resource?: string;
  reason: DenyReason | 'allow';
  stage: string | null;
  clause: string | RegExp | null;
}
const cases: Case[] = [];
/** Every case `beforeAll` builds, by name (known before the records exist, so each is its own test). */
const CASE_NAMES = [
  'allow',
  'capabilities allow',
  'resource_excluded',
  'resource_not_granted',
  'verb_not_allowed',
  'rbac_denied',
  'grant_unknown',
  'grant_pending',
  'grant_revoked',
  'grant_expired',
  'peer_suspended',
  'peer_revoked',
  'subject_mismatch',
  'cert_not_bound (never bound)',
  'cert_not_bound (binding revoked)',
  'identity_missing',
  'identity_duplicate',
  'identity_malformed',
];
let store: FederationStore;
let keys: webcrypto.CryptoKeyPair;

async function certFile(
  name: string,
  options: Parameters<typeof clientCertificate>[1],
  bindTo?: Grant,
  revoked = false,
) {
  const cert = await clientCertificate(keys, options);
  if (bindTo !== undefined) await bind(store, cert.serial, bindTo, { revoked });
  return { path: ws.write(`${name}.pem`, cert.pem), serial: cert.serial };
}

beforeAll(async () => {
  const built = ensureBuilt();
  store = sqliteStore(ws.path('explain.db'));
  keys = await identityKeyPair();
  const state = {
    grantStatus: 'active',
    peerStatus: 'active',
    expiresInSeconds: null,
    scope: SCOPE,
    subjectUserId: SUBJECT,
  } as const;
  const main = (await addGrant(store, state)).grant;
  const good = await certFile('good', { identity: { grantId: main.id, subjectUserId: SUBJECT } }, main);
  cases.push(
    {
      name: 'allow',
      cert: good.path,
      verb: 'list',
      resource: 'documents',
      reason: 'allow',
      stage: null,
      clause: null,
    },
    {
      name: 'capabilities allow',
      cert: good.path,
      verb: 'capabilities',
      reason: 'allow',
      stage: null,
      clause: null,
    },
    {
      name: 'resource_excluded',
      cert: good.path,
      verb: 'list',
      resource: 'hr_records',
      reason: 'resource_excluded',
      stage: 'scope',
      clause: '/excluded_resources/0',
    },
    {
      name: 'resource_not_granted',
      cert: good.path,
      verb: 'get',
      resource: 'tasks',
      reason: 'resource_not_granted',
      stage: 'scope',
      clause: '/resources',
    },
    {
      name: 'verb_not_allowed',
      cert: good.path,
      verb: 'search',
      resource: 'documents',
      reason: 'verb_not_allowed',
      stage: 'scope',
      clause: '/verbs',
    },
    {
      name: 'rbac_denied',
      cert: good.path,
      verb: 'list',
      resource: 'notes',
      reason: 'rbac_denied',
      stage: 'rbac',
      clause: `authorize(${SUBJECT}, list, notes)=false`,
    },
  );

  const stranger = await certFile('stranger', {
    identity: { grantId: '0b7c5a9e-1111-4222-8333-944455556666', subjectUserId: SUBJECT },
  });
  cases.push({
    name: 'grant_unknown',
    cert: stranger.path,
    verb: 'list',
    resource: 'documents',
    reason: 'grant_unknown',
    stage: 'grant',
    clause: 'grant.id=0b7c5a9e-1111-4222-8333-944455556666',
  });

  for (const [reason, overrides, clause] of [
    ['grant_pending', { grantStatus: 'pending', peerStatus: 'pending' }, 'grant.status=pending'],
    ['grant_revoked', { grantStatus: 'revoked' }, 'grant.status=revoked'],
    ['grant_expired', { expiresInSeconds: -3600 }, /^grant\.expiresAt=\d{4}-/],
    ['peer_suspended', { peerStatus: 'suspended' }, 'peer.status=suspended'],
    ['peer_revoked', { peerStatus: 'revoked' }, 'peer.status=revoked'],
  ] as const) {
    const { grant } = await addGrant(store, { ...state, ...overrides });
    const cert = await certFile(reason, { identity: { grantId: grant.id, subjectUserId: SUBJECT } }, grant);
    const stage = reason.startsWith('grant_') ? 'grant_status' : 'binding';
    cases.push({ name: reason, cert: cert.path, verb: 'list', resource: 'documents', reason, stage, clause });
  }

  const mismatch = await certFile(
    'mismatch',
    { identity: { grantId: main.id, subjectUserId: OTHER_SUBJECT } },
    main,
  );
  cases.push({
    name: 'subject_mismatch',
    cert: mismatch.path,
    verb: 'list',
    resource: 'documents',
    reason: 'subject_mismatch',
    stage: 'binding',
    clause: `grant.subjectUserId=${SUBJECT}`,
  });
  const unbound = await certFile('unbound', { identity: { grantId: main.id, subjectUserId: SUBJECT } });
  cases.push({
    name: 'cert_not_bound (never bound)',
    cert: unbound.path,
    verb: 'list',
    resource: 'documents',
    reason: 'cert_not_bound',
    stage: 'binding',
    clause: `binding.serial=${unbound.serial}`,
  });
  const revokedCert = await certFile(
    'revoked-cert',
    { identity: { grantId: main.id, subjectUserId: SUBJECT } },
    main,
    true,
  );
  cases.push({
    name: 'cert_not_bound (binding revoked)',
    cert: revokedCert.path,
    verb: 'list',
    resource: 'documents',
    reason: 'cert_not_bound',
    stage: 'binding',
    clause: /^binding\.revokedAt=/,
  });

  const identity = { grantId: main.id, subjectUserId: SUBJECT };
  const missing = await certFile('missing', { identity, omit: 'grantId' });
  const duplicate = await certFile('duplicate', { identity, duplicate: 'subjectUserId' });
  const malformed = await certFile('malformed', {
    identity,
    rawValue: { grantId: Uint8Array.of(0x0c, 0x03, 0x61, 0x62, 0x63) },
  });
  cases.push(
    {
      name: 'identity_missing',
      cert: missing.path,
      verb: 'list',
      resource: 'documents',
      reason: 'identity_missing',
      stage: 'identity',
      clause: 'connection.reason=identity_missing',
    },
    {
      name: 'identity_duplicate',
      cert: duplicate.path,
      verb: 'list',
      resource: 'documents',
      reason: 'identity_duplicate',
      stage: 'identity',
      clause: 'connection.reason=identity_duplicate',
    },
    {
      name: 'identity_malformed',
      cert: malformed.path,
      verb: 'list',
      resource: 'documents',
      reason: 'identity_malformed',
      stage: 'identity',
      clause: 'connection.reason=identity_malformed',
    },
  );
  await built;
}, 600_000);

afterAll(async () => {
  await store.close();
  ws.remove();
});

interface ExplainJson {
  decision: {
    allow: boolean;
    status: number;
    reason: string | null;
    stage: string | null;
    rowCap: number | null;
    filter: unknown;
  };
  stages: { stage: string; outcome: string; detail: string; clause?: string }[];
  clause: string | null;
  remediation: string | null;
  rbacSource: string;
}

describe('explain covers every deny reason of the pipeline and agrees with the live guard', () => {
  it('has a case for each pipeline deny reason', () => {
    const pipeline: DenyReason[] = [
      'identity_missing',
      'identity_malformed',
      'identity_duplicate',
      'grant_unknown',
      'grant_pending',
      'grant_revoked',
      'grant_expired',
      'subject_mismatch',
      'peer_suspended',
      'peer_revoked',
      'cert_not_bound',
      'resource_not_granted',
      'resource_excluded',
      'verb_not_allowed',
      'rbac_denied',
    ];
    expect(new Set(cases.map((c) => c.reason))).toEqual(new Set([...pipeline, 'allow']));
    expect(cases.map((c) => c.name).sort()).toEqual([...CASE_NAMES].sort());
  });

  it.each(CASE_NAMES)('%s: the binary explains it and the live guard decides the same', async (name) => {
    const c = cases.find((x) => x.name === name) as Case;
    expect(c).toBeDefined();
    const args = [
      'explain',
      '--cert',
      c.cert,
      '--verb',
      c.verb,
      ...(c.resource === undefined ? [] : ['--resource', c.resource]),
      '--json',
    ];
    const result = await fedtrust(args, { cwd: ws.dir, env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const explained = result.json<ExplainJson>();

    const { readFileSync } = await import('node:fs');
    const pem = readFileSync(c.cert, 'utf8');
    const der = new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
    const live = await guard(
      {
        connection: identifyConnection(der),
        verb: c.verb,
        ...(c.resource === undefined ? {} : { resource: c.resource }),
      },
      { store, clock: systemClock, authorize: hostAuthorizer(loadHostFile(env.FEDTRUST_RESOURCES, ws.dir)) },
    );
    expect(explained.decision.allow).toBe(live.allow);
    expect(explained.decision.status).toBe(live.status);
    if (c.reason === 'allow') {
      expect(live.allow).toBe(true);
      expect(explained.decision.reason).toBeNull();
      expect(explained.stages.every((s) => s.outcome === 'pass')).toBe(true);
      expect(explained.decision.rowCap).toBe(c.verb === 'capabilities' ? 0 : 25);
      if (c.verb === 'list')
        expect(explained.decision.filter).toEqual({ include_teams: ['ops'], include_personal: false });
      return;
    }
    expect(live.allow).toBe(false);
    if (live.allow) return;
    expect(explained.decision.reason).toBe(c.reason);
    expect(live.reason).toBe(c.reason);
    expect(explained.decision.stage).toBe(c.stage);
    expect(live.stage).toBe(c.stage);
    expect(explained.remediation).toBe(DENY_REMEDIATION[c.reason]);
    if (typeof c.clause === 'string') expect(explained.clause).toBe(c.clause);
    else expect(explained.clause).toMatch(c.clause as RegExp);
    const denied = explained.stages.findIndex((s) => s.outcome === 'deny');
    expect(explained.stages[denied]?.stage).toBe(c.stage);
    expect(explained.stages.slice(0, denied).every((s) => s.outcome === 'pass')).toBe(true);
    expect(explained.stages.slice(denied + 1).every((s) => s.outcome === 'not_reached')).toBe(true);
  });

  it('prints every stage, the verdict, the clause and the fix as a transcript', async () => {
    const excluded = cases.find((c) => c.name === 'resource_excluded') as Case;
    const result = await fedtrust(
      ['explain', '--cert', excluded.cert, '--verb', 'list', '--resource', 'hr_records'],
      { cwd: ws.dir, env },
    );
    expect(result.code).toBe(0);
    for (const stage of ['identity', 'grant', 'grant_status', 'binding', 'scope', 'rbac', 'row_cap']) {
      expect(result.stdout).toMatch(new RegExp(`^${stage}\\s`, 'm'));
    }
    expect(result.stdout).toContain('DENY 403 resource_excluded at stage scope');
    expect(result.stdout).toContain('clause: /excluded_resources/0');
    expect(result.stdout).toContain(`fix: ${DENY_REMEDIATION.resource_excluded}`);
  });

  it('refuses a data verb without --resource and an unknown verb as bad usage', async () => {
    const good = cases[0] as Case;
    const noResource = await fedtrust(['explain', '--cert', good.cert, '--verb', 'get'], {
      cwd: ws.dir,
      env,
    });
    expect(noResource.code).toBe(2);
    expect(noResource.stderr).toContain('resource_missing');
    const badVerb = await fedtrust(
      ['explain', '--cert', good.cert, '--verb', 'delete', '--resource', 'documents'],
      { cwd: ws.dir, env },
    );
    expect(badVerb.code).toBe(2);
    expect(badVerb.stderr).toContain('delete');
    const notACert = await fedtrust(
      [
        'explain',
        '--cert',
        ws.write('junk.pem', '-----BEGIN NOTHING-----'),
        '--verb',
        'list',
        '--resource',
        'documents',
      ],
      { cwd: ws.dir, env },
    );
    expect(notACert.code).toBe(2);
    expect(notACert.stderr).toContain('certificate_invalid');
  });
});
