/**
 * The README's first example, run as written: a pending grant and its enrollment token in a
 * store, seal keys in FEDTRUST_SEAL_KEYS, then the README's localCa + enrollPeer. Compared
 * with the README's code block so the two cannot drift.
 */
import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { localCa } from '@fedtrust/ca-local';
import {
  createGrant,
  createSealer,
  defineResources,
  enrollPeer,
  issueEnrollmentToken,
  parseSealKeys,
  readIdentity,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import { makeCsr, memoryStore } from '@fedtrust/core/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { expectReadmeExample } from '../../../test-support/readme-example.js';

const SUBJECT = '3f6c1b9e-8d2a-4c1e-9b7a-2d4e6f8a0b1c';

afterAll(() => vi.unstubAllEnvs());

describe('README', () => {
  it('the first example enrols a peer: a leaf chaining to the pinned root, with the grant identity, bound', async () => {
    vi.stubEnv('FEDTRUST_SEAL_KEYS', `k1:${Buffer.from(systemRandom.bytes(32)).toString('base64')}`);
    const store = memoryStore();
    const { grant, peer } = await createGrant(
      {
        tenantId: 'acme',
        peerName: 'work-gateway',
        subjectUserId: SUBJECT,
        scope: { resources: ['notes'], max_rows_per_query: 50 },
      },
      {
        store,
        directory: { userBelongsToTenant: async () => true },
        catalogue: defineResources({ notes: {} }),
        clock: systemClock,
        random: systemRandom,
      },
    );
    const { token } = await issueEnrollmentToken(
      { grantId: grant.id },
      { store, clock: systemClock, random: systemRandom },
    );
    const { csrPem } = await makeCsr('work-gateway');

    // example:start
    const ca = localCa({
      store,
      sealer: createSealer({ ...parseSealKeys(process.env.FEDTRUST_SEAL_KEYS ?? ''), random: systemRandom }),
    });
    const { certificatePem, chainPem } = await enrollPeer(
      { token, csrPem },
      { store, ca, clock: systemClock, random: systemRandom },
    );
    // example:end

    const [rootPem] = await ca.roots();
    const root = new X509Certificate(rootPem as string);
    const leaf = new X509Certificate(certificatePem);
    const intermediate = new X509Certificate(chainPem[0] as string);
    expect(leaf.verify(intermediate.publicKey)).toBe(true);
    expect(intermediate.verify(root.publicKey)).toBe(true);
    expect(readIdentity(new Uint8Array(leaf.raw))).toEqual({ grantId: grant.id, subjectUserId: SUBJECT });
    expect((await store.getGrant(grant.id))?.status).toBe('active');
    expect((await store.getPeer(peer.id))?.status).toBe('active');
    const bindings = await store.listCertificateBindings({ peerId: peer.id });
    expect(bindings.map((b) => b.serial)).toEqual([leaf.serialNumber.toLowerCase().replace(/^(00)+/, '')]);
    // The token worked once.
    await expect(
      enrollPeer({ token, csrPem }, { store, ca, clock: systemClock, random: systemRandom }),
    ).rejects.toMatchObject({ code: 'enrollment_replayed' });
  });

  it('is the code this test runs', () => {
    expectReadmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url));
  });
});
