/**
 * Acceptance: `fedtrust explain` (the built binary) checks a stored scope against the host
 * file's current `resources`, as a gateway given its catalogue does: a resource withdrawn or
 * made sensitive since the grant was created is denied, with the clause that decided it,
 * and the live guard given the same catalogue decides the same.
 */
import { readFileSync } from 'node:fs';
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import { type FederationStore, guard, identifyConnection, type Scope } from '@fedtrust/core';
import { systemClock } from '@fedtrust/core/system';
import { identityKeyPair } from '@fedtrust/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAuthorizer, loadHostFile } from '../src/compose/host-file.js';
import { ensureBuilt, fedtrust } from './support/built-cli.js';
import { SUBJECT, workspace } from './support/demo.js';
import { addGrant, bind, clientCertificate } from './support/guard-records.js';

const ws = workspace();
/** The host file now: `notes` withdrawn, `tasks` declared sensitive since the grant was made. */
const HOST = {
  resources: { documents: {}, tasks: { sensitive: true } },
  rbac: [{ subject: SUBJECT, verbs: '*', resources: '*' }],
};
const env = { FEDTRUST_STORE: 'sqlite:./explain.db', FEDTRUST_RESOURCES: ws.write('host.json', HOST) };
/** Valid when the grant was created, under a catalogue where no resource was sensitive. */
const SCOPE: Scope = { resources: ['documents', 'notes', 'tasks'], max_rows_per_query: 10 };

let store: FederationStore;
let certPath: string;

interface ExplainJson {
  decision: { allow: boolean; status: number; reason: string | null; stage: string | null };
  clause: string | null;
}

beforeAll(async () => {
  const built = ensureBuilt();
  store = sqliteStore(ws.path('explain.db'));
  const { grant } = await addGrant(store, {
    grantStatus: 'active',
    peerStatus: 'active',
    expiresInSeconds: null,
    scope: SCOPE,
    subjectUserId: SUBJECT,
  });
  const cert = await clientCertificate(await identityKeyPair(), {
    identity: { grantId: grant.id, subjectUserId: SUBJECT },
  });
  await bind(store, cert.serial, grant);
  certPath = ws.write('peer.pem', cert.pem);
  await built;
}, 600_000);

afterAll(async () => {
  await store.close();
  ws.remove();
});

describe('explain against the current host catalogue', () => {
  it.each([
    ['documents', null, null],
    ['notes', 'resource_not_granted', 'catalogue.has(notes)=false'],
    ['tasks', 'resource_not_granted', '/approved_sensitive'],
  ] as const)(
    'list %s: %s %s, as the live guard given the catalogue decides',
    async (resource, reason, clause) => {
      const result = await fedtrust(
        ['explain', '--cert', certPath, '--verb', 'list', '--resource', resource, '--json'],
        {
          cwd: ws.dir,
          env,
        },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const explained = result.json<ExplainJson>();
      expect(explained.decision.reason).toBe(reason);
      expect(explained.clause).toBe(clause);

      const host = loadHostFile(env.FEDTRUST_RESOURCES, ws.dir);
      const der = new Uint8Array(
        Buffer.from(readFileSync(certPath, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64'),
      );
      const live = await guard(
        { connection: identifyConnection(der), verb: 'list', resource },
        { store, clock: systemClock, authorize: hostAuthorizer(host), catalogue: host.catalogue },
      );
      expect(explained.decision.allow).toBe(live.allow);
      expect(explained.decision.status).toBe(live.status);
      expect(explained.decision.reason).toBe(live.allow ? null : live.reason);
    },
  );

  it('prints the deciding clause in the text transcript', async () => {
    const result = await fedtrust(['explain', '--cert', certPath, '--verb', 'list', '--resource', 'notes'], {
      cwd: ws.dir,
      env,
    });
    expect(result.stdout).toContain('DENY 403 resource_not_granted at stage scope');
    expect(result.stdout).toContain('clause: catalogue.has(notes)=false');
  });
});
