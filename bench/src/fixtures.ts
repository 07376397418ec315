/**
 * Real fixtures shared by the sections: a local CA, a gateway's TLS certificate, and a
 * peer enrolled the way a real one is (grant, one-time token, CSR, `enrollPeer`), so every
 * figure runs on the same kind of certificate a deployment has.
 *
 * @module @fedtrust/bench/fixtures
 */
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import { type LocalCa, localCa, type ServerCertificate } from '@fedtrust/ca-local';
import {
  createGrant,
  createSealer,
  defineResources,
  enrollPeer,
  type FederationStore,
  type Grant,
  generateSealKey,
  issueEnrollmentToken,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import type { ResourceSource, Row } from '@fedtrust/transport-undici';
import * as x509 from '@peculiar/x509';

export const catalogue = defineResources({ tasks: {}, notes: {}, payroll: { sensitive: true } });
export const SUBJECT = '5c1d7e0a-2b4f-4c6d-8e9f-0a1b2c3d4e5f';
export const SCOPE = {
  resources: ['tasks', 'notes'],
  excluded_resources: ['payroll'],
  filters: { tasks: { include_teams: ['platform'], include_personal: true } },
  max_rows_per_query: 5,
};

/** Five small rows: what every served request returns. */
export const ROWS: Row[] = Array.from({ length: 5 }, (_, i) => ({
  id: `task-${i + 1}`,
  title: `task ${i + 1}`,
  team: 'platform',
}));

/** A source answering ROWS, after `delayMs()` milliseconds when that is above zero. */
export function rowsSource(delayMs: () => number = () => 0): ResourceSource {
  const answer = async () => {
    const delay = delayMs();
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return ROWS;
  };
  return { list: answer, search: answer, get: () => ROWS[0] ?? null };
}

export interface Enrolled {
  ca: LocalCa;
  grant: Grant;
  /** The gateway's TLS server certificate for 127.0.0.1. */
  serverTls: ServerCertificate;
  serverRootsPem: string[];
  clientRootsPem: string[];
  client: { certificatePem: string; chainPem: string[]; privateKeyPem: string; serial: string };
}

/** A gateway CA on `store` and one peer enrolled at it. */
export async function enrolledPeer(store: FederationStore, name: string): Promise<Enrolled> {
  const sealer = createSealer({
    keys: { k1: generateSealKey(systemRandom) },
    currentKeyId: 'k1',
    random: systemRandom,
  });
  const ca = localCa({ store, sealer, name: `${name}-ca` });
  const deps = { store, clock: systemClock, random: systemRandom };
  const { grant, peer } = await createGrant(
    { tenantId: 'bench', peerName: `peer-of-${name}`, subjectUserId: SUBJECT, scope: SCOPE },
    { ...deps, catalogue, directory: { userBelongsToTenant: async () => true } },
  );
  const { token } = await issueEnrollmentToken({ grantId: grant.id }, deps);
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${peer.name}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const enrolled = await enrollPeer({ token, csrPem: csr.toString('pem') }, { ...deps, ca });
  const privateKeyPem = x509.PemConverter.encode(
    await crypto.subtle.exportKey('pkcs8', keys.privateKey),
    'PRIVATE KEY',
  );
  const roots = await ca.roots();
  return {
    ca,
    grant: enrolled.grant,
    serverTls: await ca.serverCertificate({ hostnames: ['127.0.0.1', 'localhost'] }),
    serverRootsPem: roots,
    clientRootsPem: roots,
    client: {
      certificatePem: enrolled.certificatePem,
      chainPem: enrolled.chainPem,
      privateKeyPem,
      serial: enrolled.serial,
    },
  };
}

/** Copies an enrolled grant, its peer and its certificate binding into another store. */
export async function mirrorGrant(
  from: FederationStore,
  to: FederationStore,
  grantId: string,
  serial: string,
) {
  const grant = await from.getGrant(grantId);
  const peer = grant === null ? null : await from.getPeer(grant.peerId);
  const binding = await from.getCertificateBinding(serial);
  if (grant === null || peer === null || binding === null)
    throw new Error(`grant ${grantId} is not enrolled`);
  const now = systemClock.now();
  await to.createGrant({ ...grant, status: 'pending', activatedAt: null }, { ...peer, status: 'pending' });
  await to.bindCertificate(binding);
  await to.transitionPeer(peer.id, ['pending'], 'active', now);
  await to.transitionGrant(grant.id, ['pending'], 'active', now);
}

/** The DER bytes of a PEM certificate. */
export function derOf(pem: string): Uint8Array {
  return new Uint8Array(new x509.X509Certificate(pem).rawData);
}
