/**
 * Property: `fedtrust explain` (run in-process through `runCli`, the code the binary runs)
 * reaches exactly the live guard's verdict for generated scopes, record states and requests.
 */
import type { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import {
  defineResources,
  type FederationStore,
  guard,
  identifyConnection,
  type PeerStatus,
  type StoredGrantStatus,
  VERBS,
  type Verb,
} from '@fedtrust/core';
import { systemClock } from '@fedtrust/core/system';
import { identityKeyPair, scopeArbitrary } from '@fedtrust/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAuthorizer, loadHostFile } from '../src/compose/host-file.js';
import { runCli } from '../src/run-cli.js';
import { OTHER_SUBJECT, SUBJECT, workspace } from './support/demo.js';
import { addGrant, bind, clientCertificate } from './support/guard-records.js';

const RESOURCES = { documents: {}, notes: {}, tasks: {}, hr_records: { sensitive: true } };
const catalogue = defineResources(RESOURCES);
const ws = workspace();
let store: FederationStore;
let keys: webcrypto.CryptoKeyPair;

beforeAll(async () => {
  store = sqliteStore(ws.path('property.db'));
  keys = await identityKeyPair();
});

afterAll(async () => {
  await store.close();
  ws.remove();
});

const caseArbitrary = fc.record({
  scope: scopeArbitrary(catalogue),
  // Each gate is biased towards passing, so requests regularly reach the scope, RBAC and allow.
  grantStatus: fc.constantFrom<StoredGrantStatus>(
    'active',
    'active',
    'active',
    'active',
    'pending',
    'revoked',
  ),
  peerStatus: fc.constantFrom<PeerStatus>(
    'active',
    'active',
    'active',
    'active',
    'pending',
    'suspended',
    'revoked',
  ),
  expired: fc.constantFrom(false, false, false, false, true),
  binding: fc.constantFrom('bound', 'bound', 'bound', 'bound', 'unbound', 'revoked'),
  subjectMatches: fc.constantFrom(true, true, true, true, false),
  verb: fc.constantFrom<Verb>(...VERBS),
  resource: fc.constantFrom(...catalogue.names, 'unlisted'),
  rbac: fc.option(fc.subarray([...catalogue.names]), { nil: null }),
});

async function explainInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    cwd: ws.dir,
  });
  return { code, stdout, stderr };
}

describe('explain against the live guard', () => {
  const seen = new Set<string>();

  it("explain's verdict (allow, status, reason, stage, row cap, filter) equals the live guard's for any scope, record state and request", async () => {
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async (c) => {
        const { grant } = await addGrant(store, {
          grantStatus: c.grantStatus,
          peerStatus: c.peerStatus,
          expiresInSeconds: c.expired ? -60 : 3600,
          scope: c.scope,
          subjectUserId: SUBJECT,
        });
        const cert = await clientCertificate(keys, {
          identity: { grantId: grant.id, subjectUserId: c.subjectMatches ? SUBJECT : OTHER_SUBJECT },
        });
        if (c.binding !== 'unbound')
          await bind(store, cert.serial, grant, { revoked: c.binding === 'revoked' });
        const certPath = ws.path('peer.pem');
        writeFileSync(certPath, cert.pem);
        const hostPath = ws.path('host.json');
        writeFileSync(
          hostPath,
          JSON.stringify({
            resources: RESOURCES,
            ...(c.rbac === null ? {} : { rbac: [{ subject: SUBJECT, verbs: '*', resources: c.rbac }] }),
          }),
        );
        const withResource = c.verb !== 'capabilities';
        const result = await explainInProcess([
          'explain',
          '--store',
          'sqlite:./property.db',
          '--resources',
          hostPath,
          '--cert',
          certPath,
          '--verb',
          c.verb,
          ...(withResource ? ['--resource', c.resource] : []),
          '--json',
        ]);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        const explained = JSON.parse(result.stdout).decision as Record<string, unknown>;
        const live = await guard(
          {
            connection: identifyConnection(cert.der),
            verb: c.verb,
            ...(withResource ? { resource: c.resource } : {}),
          },
          { store, clock: systemClock, authorize: hostAuthorizer(loadHostFile(hostPath, ws.dir)) },
        );
        seen.add(live.allow ? 'allow' : live.reason);
        expect(explained['allow']).toBe(live.allow);
        expect(explained['status']).toBe(live.status);
        if (live.allow) {
          expect(explained['rowCap']).toBe(live.rowCap);
          expect(explained['filter']).toEqual(live.filter);
        } else {
          expect(explained['reason']).toBe(live.reason);
          expect(explained['stage']).toBe(live.stage);
        }
      }),
      { numRuns: 200 },
    );
    // The property must have exercised every stage, not only early denies.
    for (const outcome of [
      'allow',
      'grant_pending',
      'grant_revoked',
      'cert_not_bound',
      'resource_not_granted',
      'verb_not_allowed',
      'rbac_denied',
    ]) {
      expect(seen).toContain(outcome);
    }
  }, 300_000);
});
