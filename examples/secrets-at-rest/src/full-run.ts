/**
 * A full enrollment and admission run over one store, keeping every secret it produces or
 * sees. One store plays both gateways, as the brief of this example asks: work's CA keys,
 * grants, tokens, audit chains and provider tokens, and home's sealed client key.
 *
 * Each step checks its own outcome (statuses, events, serials) with vitest's `expect`, so a
 * run that did not really enrol, renew or admit fails before any dump is scanned.
 *
 * @module @fedtrust/example-secrets-at-rest/full-run
 */
import 'reflect-metadata';
import { Buffer } from 'node:buffer';
import type { webcrypto } from 'node:crypto';
import { localCa } from '@fedtrust/ca-local';
import {
  type AdmissionDecision,
  type AdmissionRequest,
  admitProvider,
  createGrant,
  createSealer,
  defineResources,
  type FederationStore,
  generateSealKey,
  hashToken,
  issueEnrollmentToken,
  openRecord,
  resealAll,
  type Sealer,
  sealRecord,
  tokenPrefix,
  verifyChain,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import {
  createFederationClient,
  createFederationServer,
  type EnrollResult,
  isFederationClientError,
  type ResourceSource,
  type Row,
} from '@fedtrust/transport-undici';
import * as x509 from '@peculiar/x509';
import { Agent, request } from 'undici';
import { expect } from 'vitest';
import type { LogCapture } from './capture-logger.js';
import { SecretBook } from './secrets.js';

const TENANT = 'acme-work';
const ALICE = '5c1d7e0a-2b4f-4c6d-8e9f-0a1b2c3d4e5f';
const CA_NAME = 'work-ca';
const CLIENT_KEY_ID = 'client-key:work';
const SERVER_KEY_ID = 'server-key:work';
export const FEDERATION_CHAIN = 'federation';
export const ADMISSION_CHAIN = 'admission';

const catalogue = defineResources({ notes: {}, payroll: { sensitive: true } });
const SCOPE = { resources: ['notes'], verbs: ['list', 'get', 'search'], max_rows_per_query: 5 };

const NOTES: Row[] = Array.from({ length: 8 }, (_, i) => ({
  id: `note-${i + 1}`,
  text: `work note ${i + 1}`,
}));
const notes: ResourceSource = {
  list: (_filter, limit) => NOTES.slice(0, limit),
  get: (id) => NOTES.find((row) => row['id'] === id) ?? null,
  search: (query, _filter, limit) =>
    NOTES.filter((row) => String(row['text']).includes(query)).slice(0, limit),
};

/** What the run left in the store that a dump must show, so a scan cannot pass by reading nothing. */
export interface RunFacts {
  /** SHA-256 of every token fedtrust issued (enrollment and provider). */
  tokenHashes: string[];
  /** The 8-character prefix of every token fedtrust issued. */
  tokenPrefixes: string[];
  /** The enrolled and the renewed client certificate. */
  serials: string[];
  sealedIds: string[];
  auditRecords: Record<string, number>;
}

export interface RunResult {
  secrets: SecretBook;
  /** Every token fedtrust issued, in the clear: only for the negative control, which writes one back. */
  issuedTokens: string[];
  facts: RunFacts;
  /** The sealer after the rotation to `k2`: every stored envelope opens with it. */
  sealer: Sealer;
}

async function clientKeyAndCsr(commonName: string): Promise<{ privateKeyPem: string; csrPem: string }> {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), csrPem: csr.toString('pem') };
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * Runs enrollment over real mTLS (`POST /fedtrust/v1/enroll`, a replay, an unknown token),
 * verb requests, a renewal through `POST /fedtrust/v1/renew`, provider admissions (mint,
 * bearer, tofu reject, self-heal, rejected bearers, token required), each admission appended
 * to an audit chain, a certificate revocation, and a seal-key rotation with `resealAll`.
 * Server, client and agents are closed before it returns, whatever happens.
 */
export async function fullRun(store: FederationStore, logs: LogCapture): Promise<RunResult> {
  const secrets = new SecretBook();
  const clock = systemClock;
  const random = systemRandom;
  const issuedTokens: string[] = [];

  const k1 = generateSealKey(random);
  secrets.addSealKey('seal key k1', k1);
  const sealer = createSealer({ keys: { k1 }, currentKeyId: 'k1', random });

  // Work: a local CA whose root and intermediate keys are sealed in the store.
  const ca = localCa({ store, sealer, name: CA_NAME, clock, random });
  const rootsPem = await ca.roots();
  const tls = await ca.serverCertificate({ hostnames: ['127.0.0.1', 'localhost'] });
  secrets.addPrivateKeyPem('work TLS server key', tls.privateKeyPem);
  // The CA never stores a server key; a host that keeps one seals it, as here.
  await store.putSealed(await sealRecord(sealer, SERVER_KEY_ID, utf8(tls.privateKeyPem), clock.now()));

  const server = createFederationServer({
    gatewayName: 'work',
    store,
    authorize: () => true,
    sources: { notes },
    clock,
    random,
    logger: logs.logger('server'),
    auditChainId: FEDERATION_CHAIN,
    enrollment: { ca },
    tls: {
      certificatePem: tls.certificatePem,
      chainPem: tls.chainPem,
      keyPem: tls.privateKeyPem,
      clientRootsPem: rootsPem,
    },
  });
  const anonymous = new Agent({ connect: { ca: rootsPem } });
  let client: ReturnType<typeof createFederationClient> | null = null;
  try {
    const { port } = await server.listen(0, '127.0.0.1');
    const url = `https://127.0.0.1:${port}`;
    const enrol = async (body: unknown) => {
      const response = await request(`${url}/fedtrust/v1/enroll`, {
        dispatcher: anonymous,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
    };

    const directory = { userBelongsToTenant: async () => true };
    const grantDeps = { store, directory, catalogue, clock, random };
    const { grant, peer } = await createGrant(
      { tenantId: TENANT, peerName: 'home-gateway', subjectUserId: ALICE, scope: SCOPE },
      grantDeps,
    );
    const { token } = await issueEnrollmentToken({ grantId: grant.id }, { store, clock, random });
    secrets.addToken('enrollment token (redeemed)', token);
    issuedTokens.push(token);
    // A second grant whose token is never redeemed: its row stays as issued.
    const spare = await createGrant(
      { tenantId: TENANT, peerName: 'spare-gateway', subjectUserId: ALICE, scope: SCOPE },
      grantDeps,
    );
    const spareToken = await issueEnrollmentToken({ grantId: spare.grant.id }, { store, clock, random });
    secrets.addToken('enrollment token (never redeemed)', spareToken.token);
    issuedTokens.push(spareToken.token);

    // Home: its key is made locally and kept sealed in the store, never in the clear.
    const home = await clientKeyAndCsr(peer.name);
    secrets.addPrivateKeyPem('home client key', home.privateKeyPem);
    await store.putSealed(await sealRecord(sealer, CLIENT_KEY_ID, utf8(home.privateKeyPem), clock.now()));

    const enrolled = await enrol({ token, csrPem: home.csrPem });
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    const issued = enrolled.body as unknown as EnrollResult;
    const replay = await enrol({ token, csrPem: home.csrPem });
    expect([replay.status, replay.body['error']]).toEqual([410, 'enrollment_replayed']);
    const unknownToken = `fte_${Buffer.from(random.bytes(32)).toString('base64url')}`;
    secrets.addToken('enrollment token never issued (presented)', unknownToken);
    const unknown = await enrol({ token: unknownToken, csrPem: home.csrPem });
    expect([unknown.status, unknown.body['error']]).toEqual([404, 'enrollment_unknown']);
    expect((await store.getGrant(grant.id))?.status).toBe('active');

    // Home's client opens its key from the sealed envelope, in memory only.
    const sealedKey = await store.getSealed(CLIENT_KEY_ID);
    expect(sealedKey?.keyId).toBe('k1');
    client = createFederationClient({
      peers: [
        {
          id: 'work',
          url,
          rootsPem,
          certificatePem: issued.certificatePem,
          chainPem: issued.chainPem,
          privateKey: { envelope: sealedKey?.envelope ?? '', context: CLIENT_KEY_ID },
        },
      ],
      sealer,
      logger: logs.logger('client'),
      timeoutMs: 10_000,
    });
    const work = client.peer('work');
    expect((await work.capabilities()).grantId).toBe(grant.id);
    expect((await work.list('notes')).rows).toHaveLength(5);
    expect((await work.get('notes', 'note-2')).row?.['id']).toBe('note-2');
    expect((await work.search('notes', 'note 3')).rows.map((row) => row['id'])).toEqual(['note-3']);
    const denied = await work.list('payroll').then(
      () => null,
      (error: unknown) => (isFederationClientError(error) ? error.reason : String(error)),
    );
    expect(denied).toBe('resource_not_granted');

    const renewed = await work.renew();
    expect(renewed.serial).not.toBe(issued.serial);
    expect(work.certificate().serial).toBe(renewed.serial);
    expect((await work.list('notes', { limit: 2 })).rows).toHaveLength(2);
    const lastServed = (await store.tailAudit(FEDERATION_CHAIN, 1))[0];
    expect(lastServed?.event.certSerial).toBe(renewed.serial);

    // The renewal route already stamped the superseded certificate as retiring (revokedAt in
    // the grace period ahead); revoking it at the CA as well leaves a sealed revocation record.
    const retiring = await store.getCertificateBinding(issued.serial);
    expect(retiring?.revokedAt).toBeInstanceOf(Date);
    expect(retiring!.revokedAt!.getTime()).toBeGreaterThan(clock.now().getTime());
    await ca.revoke({ serial: issued.serial, reason: 'superseded' });

    // Providers: every row of the admission table this run can reach without a race.
    const admit = async (
      req: AdmissionRequest,
      requireProviderTokens = false,
    ): Promise<AdmissionDecision> => {
      const decision = await admitProvider(req, {
        store,
        requireProviderTokens,
        clock,
        random,
        onEvent: logs.admissionSink('admission'),
      });
      await store.appendAudit(ADMISSION_CHAIN, {
        time: clock.now().toISOString(),
        grantId: null,
        subject: req.providerId,
        certSerial: null,
        verb: 'admit',
        resource: `provider/${req.providerId}`,
        outcome: decision.admit ? 'allow' : 'deny',
        reason: decision.event,
        rowsOut: 0,
        bytesOut: 0,
      });
      if (decision.admit && decision.token !== undefined) {
        secrets.addToken(`provider token of ${req.providerId} (${decision.event})`, decision.token);
        issuedTokens.push(decision.token);
      }
      return decision;
    };
    const mintedP1 = await admit({ providerId: 'provider-1' });
    expect(mintedP1).toMatchObject({ admit: true, authState: 'self_minted', event: 'minted' });
    expect(
      await admit({ providerId: 'provider-1', bearer: mintedP1.admit ? mintedP1.token : null }),
    ).toMatchObject({ admit: true, authState: 'bearer_validated', event: 'bearer_ok' });
    expect(await admit({ providerId: 'provider-1' })).toMatchObject({ admit: false, event: 'tofu_reject' });
    const mintedP2 = await admit({ providerId: 'provider-2' });
    expect(mintedP2).toMatchObject({ admit: true, event: 'minted' });
    const healed = await admit({ providerId: 'provider-2' });
    expect(healed).toMatchObject({ admit: true, authState: 'self_minted', event: 'self_heal' });
    expect(
      await admit({ providerId: 'provider-2', bearer: mintedP2.admit ? mintedP2.token : null }),
    ).toMatchObject({ admit: false, reject: { code: 'invalid_token' } });
    expect(
      await admit({ providerId: 'provider-2', bearer: healed.admit ? healed.token : null }),
    ).toMatchObject({
      admit: true,
      event: 'bearer_ok',
    });
    const forged = `ftp_${Buffer.from(random.bytes(32)).toString('base64url')}`;
    secrets.addToken('provider token never issued (presented)', forged);
    expect(await admit({ providerId: 'provider-3', bearer: forged })).toMatchObject({
      admit: false,
      event: 'bearer_rejected',
    });
    expect(await admit({ providerId: 'provider-4' }, true)).toMatchObject({
      admit: false,
      event: 'token_required',
    });
    expect(issuedTokens).toHaveLength(5);
  } finally {
    await client?.close();
    await anonymous.close();
    await server.close();
  }

  // Rotation: k2 becomes current and every envelope moves to it; k1 stays known to open old copies.
  const k2 = generateSealKey(random);
  secrets.addSealKey('seal key k2', k2);
  const rotated = createSealer({ keys: { k1, k2 }, currentKeyId: 'k2', random });
  const report = await resealAll(store, rotated, { clock });
  expect(report.failed).toEqual([]);
  expect(report.resealed).toBe(report.total);

  // The CA's own keys only exist inside their envelopes; open them to know what to look for.
  const sealed = await store.listSealed();
  for (const record of sealed) {
    expect(record.keyId, record.id).toBe('k2');
    const plain = new TextDecoder().decode(await openRecord(rotated, record));
    if (record.id.startsWith(`ca:${CA_NAME}:`)) {
      const parsed = JSON.parse(plain) as { privateKey?: unknown };
      if (typeof parsed.privateKey === 'string') {
        secrets.addPrivateKeyDer(`sealed ${record.id}`, Buffer.from(parsed.privateKey, 'base64'));
      }
    } else {
      secrets.addPrivateKeyPem(`sealed ${record.id}`, plain);
    }
  }
  const sealedIds = sealed.map((record) => record.id);
  expect(sealedIds).toEqual(
    expect.arrayContaining([
      `ca:${CA_NAME}:root`,
      `ca:${CA_NAME}:intermediate`,
      CLIENT_KEY_ID,
      SERVER_KEY_ID,
    ]),
  );

  const auditRecords: Record<string, number> = {};
  for (const chain of await store.listAuditChains()) {
    const records = await store.listAudit(chain, { limit: 10_000 });
    expect(verifyChain(records).ok, chain).toBe(true);
    auditRecords[chain] = records.length;
  }
  expect(auditRecords[ADMISSION_CHAIN]).toBe(9);
  // enroll, replay, unknown token, capabilities, list, get, search, denied list, renew, list.
  expect(auditRecords[FEDERATION_CHAIN]).toBe(10);

  const bindings = await store.listCertificateBindings();
  return {
    secrets,
    issuedTokens,
    sealer: rotated,
    facts: {
      tokenHashes: issuedTokens.map(hashToken),
      tokenPrefixes: issuedTokens.map(tokenPrefix),
      serials: bindings.map((binding) => binding.serial),
      sealedIds,
      auditRecords,
    },
  };
}
