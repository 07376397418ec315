/**
 * The README's first example, run as written against a real step-ca (its `fedtrust` JWK
 * provisioner carries templateFor's template), and compared with the README's code block.
 */
import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { stepCa } from '@fedtrust/ca-stepca';
import {
  provisionStepCa,
  type RunningStepCa,
  STEP_CA_BUILD_TIMEOUT_MS,
  startStepCa,
} from '@fedtrust/ca-stepca/testing';
import { readIdentity } from '@fedtrust/core';
import { makeCsr } from '@fedtrust/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectReadmeExample } from '../../../test-support/readme-example.js';

let running: RunningStepCa;
// The first run compiles step-ca; keep that out of the CA start's hook timeout.
beforeAll(async () => {
  await provisionStepCa();
}, STEP_CA_BUILD_TIMEOUT_MS);
beforeAll(async () => {
  running = await startStepCa();
});
afterAll(async () => {
  await running?.stop();
});

describe('README', () => {
  it('the first example issues, renews and revokes at a real step-ca', async () => {
    const { url, rootPem } = running;
    const { password } = running.provisioner;
    const { csrPem, privateKeyPem } = await makeCsr('work-gateway');
    const grantId = '0b0c7f1e-6f0e-4d8a-9a3e-2f1c5d9b7a10';
    const subjectUserId = '5d2a9c1b-3e4f-4a6b-8c7d-9e0f1a2b3c4d';

    // example:start
    const ca = stepCa({ url, root: rootPem, provisioner: { name: 'fedtrust', password } });
    const issued = await ca.issue({ csrPem, commonName: 'work-gateway', grantId, subjectUserId });
    const renewed = await ca.renew({ certificatePem: issued.certificatePem, privateKeyPem });
    await ca.revoke({ serial: issued.serial });
    // example:end

    try {
      const root = new X509Certificate(rootPem);
      for (const certificate of [issued, renewed]) {
        const leaf = new X509Certificate(certificate.certificatePem);
        expect(leaf.subject).toBe('CN=work-gateway');
        expect(readIdentity(new Uint8Array(leaf.raw))).toEqual({ grantId, subjectUserId });
        const chain = certificate.chainPem.map((pem) => new X509Certificate(pem));
        expect(leaf.verify((chain[0] as X509Certificate).publicKey)).toBe(true);
        expect((chain.at(-1) as X509Certificate).verify(root.publicKey)).toBe(true);
      }
      expect(renewed.serial).not.toBe(issued.serial);
      // The revocation took: step-ca refuses to renew the revoked certificate.
      await expect(ca.renew({ certificatePem: issued.certificatePem, privateKeyPem })).rejects.toMatchObject({
        code: 'ca_certificate_revoked',
      });
    } finally {
      await ca.close();
    }
  });

  it('is the code this test runs', () => {
    expectReadmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url));
  });
});
