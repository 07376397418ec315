/**
 * A small but real gateway state for acceptance tests: a migrated store with one enrolled
 * peer (a certificate issued by the local CA over the enrollment saga), a pending grant,
 * provider tokens admitted through core, and audit records — plus the files an operator
 * hands the CLI (host file, scope, seal keys, pinned root, server certificate).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localCa } from '@fedtrust/ca-local';
import {
  admitProvider,
  createGrant,
  createSealer,
  enrollPeer,
  type FederationStore,
  type Grant,
  issueEnrollmentToken,
  type Peer,
  parseSealKeys,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import * as x509 from '@peculiar/x509';

export const TENANT = 'acme';
export const SUBJECT = '3f6c1b9e-8d2a-4c1e-9b7a-2d4e6f8a0b1c';
export const OTHER_SUBJECT = '7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6';

/** `kid:base64` for fresh random 32-byte keys, in the order given (the first is current). */
export function sealKeyList(ids: readonly string[]): { text: string; keys: Record<string, string> } {
  const keys = Object.fromEntries(ids.map((id) => [id, randomBytes(32).toString('base64')]));
  return { text: ids.map((id) => `${id}:${keys[id]}`).join(','), keys };
}

/** A temporary working directory holding the operator's files; `remove()` deletes it. */
export interface Workspace {
  dir: string;
  path(name: string): string;
  write(name: string, content: string | object): string;
  remove(): void;
}

export function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'fedtrust-cli-test-'));
  return {
    dir,
    path: (name) => join(dir, name),
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The host file every test uses: three resources, one of them sensitive; the demo tenant; RBAC for SUBJECT. */
export const HOST_FILE = {
  resources: { documents: {}, notes: {}, hr_records: { sensitive: true } },
  tenants: { [TENANT]: [SUBJECT, OTHER_SUBJECT] },
  rbac: [
    { subject: SUBJECT, verbs: '*', resources: ['documents', 'hr_records'] },
    { subject: SUBJECT, verbs: ['list'], resources: ['notes'] },
  ],
};

/** A P-256 key and a CSR naming `commonName`, as a peer gateway makes them before enrolling. */
export async function csrFor(commonName: string): Promise<string> {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return csr.toString('pem');
}

export interface SeededDemo {
  enrolled: { grant: Grant; peer: Peer; certificatePem: string; serial: string };
  pending: { grant: Grant; peer: Peer };
  rootPem: string;
  serverCertificatePem: string;
}

/**
 * Fills a migrated store the way a running gateway would: an enrolled peer whose certificate
 * the local CA issued through `enrollPeer`, a pending grant, a provider whose token was
 * minted and then presented (so the pre-flip audit has no blocker), and audit records.
 */
export async function seedDemo(store: FederationStore, sealKeys: string): Promise<SeededDemo> {
  const deps = { store, clock: systemClock, random: systemRandom };
  const sealer = createSealer({ ...parseSealKeys(sealKeys), random: systemRandom });
  const ca = localCa({ store, sealer });
  const { defineResources } = await import('@fedtrust/core');
  const catalogue = defineResources(HOST_FILE.resources);
  const directory = { userBelongsToTenant: async () => true };
  const scope = {
    resources: ['documents', 'notes'],
    excluded_resources: ['hr_records'],
    max_rows_per_query: 25,
  };

  const created = await createGrant(
    { tenantId: TENANT, peerName: 'work-gateway', subjectUserId: SUBJECT, scope },
    { ...deps, directory, catalogue },
  );
  const { token } = await issueEnrollmentToken({ grantId: created.grant.id }, deps);
  const enrolled = await enrollPeer({ token, csrPem: await csrFor('work-gateway') }, { ...deps, ca });

  const pending = await createGrant(
    { tenantId: TENANT, peerName: 'lab-gateway', subjectUserId: OTHER_SUBJECT, scope },
    { ...deps, directory, catalogue },
  );

  const minted = await admitProvider({ providerId: 'provider-1' }, { ...deps, requireProviderTokens: false });
  if (!minted.admit || minted.token === undefined) throw new Error('demo: the provider token was not minted');
  await admitProvider(
    { providerId: 'provider-1', bearer: minted.token },
    { ...deps, requireProviderTokens: false },
  );

  for (const outcome of ['allow', 'deny', 'allow'] as const) {
    await store.appendAudit('federation', {
      time: new Date().toISOString(),
      grantId: enrolled.grant.id,
      subject: SUBJECT,
      certSerial: enrolled.serial,
      verb: 'list',
      resource: outcome === 'allow' ? 'documents' : 'hr_records',
      outcome,
      reason: outcome === 'allow' ? null : 'resource_excluded',
      rowsOut: outcome === 'allow' ? 3 : 0,
      bytesOut: outcome === 'allow' ? 512 : 0,
    });
  }
  const [rootPem] = await ca.roots();
  const server = await ca.serverCertificate({ hostnames: ['127.0.0.1'], lifetimeSeconds: 30 * 86_400 });
  return {
    enrolled: {
      grant: enrolled.grant,
      peer: enrolled.peer,
      certificatePem: enrolled.certificatePem,
      serial: enrolled.serial,
    },
    pending,
    rootPem: rootPem as string,
    serverCertificatePem: server.certificatePem,
  };
}
