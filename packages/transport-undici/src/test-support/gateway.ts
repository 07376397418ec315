/**
 * Test-only fixture: a serving gateway over real TLS on 127.0.0.1 with a memory store, a
 * local CA, a server certificate from that CA, and helpers to create grants and enrol peers
 * through `POST /fedtrust/v1/enroll` the way a real peer does. Not part of the package build.
 */
import type { AddressInfo } from 'node:net';
import { type LocalCa, localCa } from '@fedtrust/ca-local';
import {
  type CertificateAuthority,
  type Clock,
  createGrant,
  createSealer,
  defineResources,
  type FederationStore,
  type Grant,
  type HostAuthorizer,
  issueEnrollmentToken,
  type Peer,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import { memoryStore } from '@fedtrust/core/testing';
import { Agent, request } from 'undici';
import { createFederationServer, type FederationServer } from '../server/create-federation-server.js';
import type { FederationHandlerOptions } from '../server/options.js';
import type { EnrollResult, ResourceSource, Row } from '../types.js';
import { type ClientKey, clientKey, csrFor } from './pki.js';

export const TENANT = 'tenant-work';
export const SUBJECT = '7d1e4c2a-0b3f-4e5d-9a8c-1f2e3d4c5b6a';

export const catalogue = defineResources({ notes: {}, tasks: {}, secrets: {}, files: {} });

/** A source over fixed rows that returns as many as it has, ignoring `limit` (so the server's cap is what a test sees). */
export function arraySource(rows: Row[]): ResourceSource {
  return {
    list: () => rows,
    get: (id) => rows.find((row) => row['id'] === id) ?? null,
    search: (query) => rows.filter((row) => JSON.stringify(row).includes(query)),
  };
}

/** A clock the test can move forward; starts at the wall clock. */
export function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance(ms) {
      offset += ms;
    },
  };
}

export interface Enrolled {
  grant: Grant;
  peer: Peer;
  key: ClientKey;
  certificatePem: string;
  chainPem: string[];
  serial: string;
}

export interface TestGateway extends AsyncDisposable {
  name: string;
  store: FederationStore;
  ca: LocalCa;
  /** Roots a client pins to verify this gateway's server certificate (its local CA). */
  rootsPem: string[];
  url: string;
  address: AddressInfo;
  server: FederationServer;
  /** Creates a pending grant and an enrollment token for it. */
  grant(
    scope: unknown,
    options?: { subjectUserId?: string; expiresAt?: Date },
  ): Promise<{ grant: Grant; peer: Peer; token: string }>;
  /** POSTs to /enroll without a client certificate; returns status and JSON body. */
  enrollRaw(
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Creates a grant and enrols it through the server, like a real peer. */
  enrol(scope: unknown, options?: { subjectUserId?: string; expiresAt?: Date }): Promise<Enrolled>;
  close(): Promise<void>;
}

export interface GatewayOptions extends Partial<Omit<FederationHandlerOptions, 'store' | 'gatewayName'>> {
  name?: string;
  store?: FederationStore;
  /** Extra roots client certificates may chain to (a test CA signing malformed certificates). */
  extraClientRootsPem?: string[];
  trustedProxies?: string[];
  /** Per-address enrollment budget (default generous, so fixtures can enrol many peers). */
  enrollRateLimit?: { points: number; durationSeconds: number };
  /** The CA that signs enrolled peers (default the gateway's local CA, which also signs its server certificate). */
  enrollmentCa?: CertificateAuthority;
  /** Share one CA between gateways (replicas on one store); default a fresh CA on the store. */
  ca?: LocalCa;
}

export function testSealer() {
  return createSealer({ keys: { k1: systemRandom.bytes(32) }, currentKeyId: 'k1', random: systemRandom });
}

export const allowAll: HostAuthorizer = () => true;

export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const name = options.name ?? 'work';
  const store = options.store ?? memoryStore();
  const ca = options.ca ?? localCa({ store, sealer: testSealer(), name: `ca-${name}` });
  const rootsPem = await ca.roots();
  const enrollmentCa = options.enrollmentCa ?? ca;
  const clientRootsPem = options.enrollmentCa === undefined ? rootsPem : await enrollmentCa.roots();
  const serverCert = await ca.serverCertificate({ hostnames: ['127.0.0.1', 'localhost'] });
  const clock = options.clock ?? systemClock;
  const server = createFederationServer({
    authorize: allowAll,
    sources: {},
    ...options,
    gatewayName: name,
    store,
    clock,
    enrollment: options.enrollment ?? {
      ca: enrollmentCa,
      rateLimit: options.enrollRateLimit ?? { points: 1_000, durationSeconds: 60 },
      ...(options.trustedProxies === undefined ? {} : { trustedProxies: options.trustedProxies }),
    },
    tls: {
      certificatePem: serverCert.certificatePem,
      chainPem: serverCert.chainPem,
      keyPem: serverCert.privateKeyPem,
      clientRootsPem: [...clientRootsPem, ...(options.extraClientRootsPem ?? [])],
    },
  });
  const address = await server.listen();
  const url = `https://127.0.0.1:${address.port}`;
  const anonymous = new Agent({ connect: { ca: rootsPem } });

  const grant: TestGateway['grant'] = async (scope, o = {}) => {
    const created = await createGrant(
      {
        tenantId: TENANT,
        peerName: `peer-of-${name}`,
        subjectUserId: o.subjectUserId ?? SUBJECT,
        scope,
        ...(o.expiresAt === undefined ? {} : { expiresAt: o.expiresAt }),
      },
      {
        store,
        directory: { userBelongsToTenant: async () => true },
        catalogue,
        clock: systemClock,
        random: systemRandom,
      },
    );
    const { token } = await issueEnrollmentToken(
      { grantId: created.grant.id },
      { store, clock: systemClock, random: systemRandom },
    );
    return { ...created, token };
  };

  const enrollRaw: TestGateway['enrollRaw'] = async (body, headers = {}) => {
    const response = await request(`${url}/fedtrust/v1/enroll`, {
      dispatcher: anonymous,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  };

  const enrol: TestGateway['enrol'] = async (scope, o = {}) => {
    const created = await grant(scope, o);
    const key = await clientKey();
    const { status, body } = await enrollRaw({
      token: created.token,
      csrPem: await csrFor(key, created.peer.name),
    });
    if (status !== 201) throw new Error(`enrollment failed: ${status} ${JSON.stringify(body)}`);
    const result = body as unknown as EnrollResult;
    const refreshed = (await store.getGrant(created.grant.id)) as Grant;
    const peer = (await store.getPeer(created.peer.id)) as Peer;
    return {
      grant: refreshed,
      peer,
      key,
      certificatePem: result.certificatePem,
      chainPem: result.chainPem,
      serial: result.serial,
    };
  };

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= Promise.all([anonymous.close(), server.close()]).then(() => undefined);
    return closing;
  };
  return {
    name,
    store,
    ca,
    rootsPem,
    url,
    address,
    server,
    grant,
    enrollRaw,
    enrol,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** An undici Agent presenting `certificatePem` with `privateKeyPem`, pinning `rootsPem`. */
export function mtlsAgent(
  rootsPem: string[],
  certificatePem: string,
  chainPem: string[],
  privateKeyPem: string,
): Agent {
  return new Agent({
    connect: { ca: rootsPem, cert: [certificatePem, ...chainPem].join('\n'), key: privateKeyPem },
  });
}
