/**
 * Acceptance: `grant revoke` and `peer revoke` on the built binary and a real SQLite file
 * also revoke the peer's certificates at the local CA — its signed CRL lists them — and a
 * CA that cannot be used leaves the revocation in force with the serial pending for
 * `retryCompensations`.
 */
import 'reflect-metadata';
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import { localCa } from '@fedtrust/ca-local';
import {
  createGrant,
  createSealer,
  defineResources,
  enrollPeer,
  type FederationStore,
  issueEnrollmentToken,
  parseSealKeys,
  retryCompensations,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, fedtrust } from './support/built-cli.js';
import {
  csrFor,
  HOST_FILE,
  type SeededDemo,
  SUBJECT,
  sealKeyList,
  seedDemo,
  TENANT,
  workspace,
} from './support/demo.js';

const ws = workspace();
const keys = sealKeyList(['k1']);
const env = {
  FEDTRUST_STORE: 'sqlite:./fedtrust.db',
  FEDTRUST_SEAL_KEYS: keys.text,
  FEDTRUST_RESOURCES: ws.write('host.json', HOST_FILE),
};
const cli = (args: string[], extra: Record<string, string> = {}) =>
  fedtrust(args, { cwd: ws.dir, env: { ...env, ...extra } });
let demo: SeededDemo;

interface RevokeJson {
  certificates: {
    revoked: string[];
    pending: { serial: string; compensationId: string; error: string }[];
    unrecorded: { serial: string | null; error: string }[];
  };
}

/** Runs `body` on an in-process store over the same file, as the gateway process would. */
async function withStore<T>(body: (store: FederationStore) => Promise<T>): Promise<T> {
  const store = sqliteStore(ws.path('fedtrust.db'));
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

function gatewayCa(store: FederationStore) {
  return localCa({ store, sealer: createSealer({ ...parseSealKeys(keys.text), random: systemRandom }) });
}

/** Serials on the local CA's CRL, read as a relying party would: from the signed list. */
async function crlSerials(): Promise<string[]> {
  return withStore(async (store) => {
    const crl = new x509.X509Crl(await gatewayCa(store).crl());
    return crl.entries.map((e) => e.serialNumber.toLowerCase());
  });
}

/** A further grant whose peer enrolled through the gateway's local CA; returns its ids and serial. */
async function enrolledPeer(name: string): Promise<{ grantId: string; peerId: string; serial: string }> {
  return withStore(async (store) => {
    const deps = { store, clock: systemClock, random: systemRandom };
    const { grant } = await createGrant(
      {
        tenantId: TENANT,
        peerName: name,
        subjectUserId: SUBJECT,
        scope: { resources: ['notes'], max_rows_per_query: 5 },
      },
      {
        ...deps,
        directory: { userBelongsToTenant: async () => true },
        catalogue: defineResources(HOST_FILE.resources),
      },
    );
    const { token } = await issueEnrollmentToken({ grantId: grant.id }, deps);
    const enrolled = await enrollPeer(
      { token, csrPem: await csrFor(name) },
      { ...deps, ca: gatewayCa(store) },
    );
    return { grantId: grant.id, peerId: enrolled.peer.id, serial: enrolled.serial };
  });
}

beforeAll(async () => {
  await ensureBuilt();
  expect((await cli(['migrate'])).code).toBe(0);
  demo = await withStore((store) => seedDemo(store, keys.text));
}, 600_000);

afterAll(() => ws.remove());

describe('grant revoke', () => {
  it("lists the peer's certificate on the local CA's CRL and marks its binding revoked", async () => {
    const { serial } = demo.enrolled;
    expect(await crlSerials()).not.toContain(serial);

    const revoked = await cli(['grant', 'revoke', demo.enrolled.grant.id, '--json']);
    expect(revoked.code).toBe(0);
    expect(revoked.json<RevokeJson>().certificates).toEqual({
      revoked: [serial],
      pending: [],
      unrecorded: [],
    });
    expect(await crlSerials()).toContain(serial);
    const binding = await withStore((s) => s.getCertificateBinding(serial));
    expect(binding?.revokedAt).toBeInstanceOf(Date);
    expect((await withStore((s) => s.getGrant(demo.enrolled.grant.id)))?.status).toBe('revoked');
  });

  it('without seal keys the grant is still revoked, exit 1 names the pending serial, and the gateway finishes it', async () => {
    const { grantId, serial } = await enrolledPeer('sealless-gateway');
    const revoked = await cli(['grant', 'revoke', grantId], { FEDTRUST_SEAL_KEYS: '' });
    expect(revoked.code).toBe(1);
    expect(revoked.stdout).toContain(`Revoked grant ${grantId}`);
    expect(revoked.stdout).toContain(`Pending at the CA: ${serial}`);
    expect((await withStore((s) => s.getGrant(grantId)))?.status).toBe('revoked');
    const pending = await withStore((s) => s.listPendingCompensations());
    expect(pending.filter((p) => p.serial === serial)).toHaveLength(1);
    expect(await crlSerials()).not.toContain(serial);

    const pass = await withStore((store) =>
      retryCompensations({ store, ca: gatewayCa(store), clock: systemClock }),
    );
    expect(pass.failed).toEqual([]);
    expect(await crlSerials()).toContain(serial);
    expect((await withStore((s) => s.getCertificateBinding(serial)))?.revokedAt).toBeInstanceOf(Date);
  });
});

describe('peer revoke', () => {
  it("lists the peer's certificate on the CRL and prints the serial", async () => {
    const { peerId, serial } = await enrolledPeer('doomed-gateway');
    const revoked = await cli(['peer', 'revoke', peerId]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked at the CA: ${serial}.`);
    expect(await crlSerials()).toContain(serial);
    expect((await withStore((s) => s.getPeer(peerId)))?.status).toBe('revoked');
  });

  it('refuses to report a revocation at a local CA that holds no keys in the store (another --ca-name)', async () => {
    const { peerId, serial } = await enrolledPeer('renamed-gateway');
    const revoked = await cli(['peer', 'revoke', peerId, '--ca-name', 'not-the-issuer', '--json']);
    expect(revoked.code).toBe(1);
    const { certificates } = revoked.json<RevokeJson>();
    expect(certificates.revoked).toEqual([]);
    expect(certificates.pending.map((p) => p.serial)).toEqual([serial]);
    expect(certificates.pending[0]?.error).toContain('no local CA named not-the-issuer');
    expect((await withStore((s) => s.getPeer(peerId)))?.status).toBe('revoked');
    expect(await crlSerials()).not.toContain(serial);
  });
});
