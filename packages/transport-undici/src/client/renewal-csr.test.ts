import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readCsr } from '@fedtrust/core';
import { describe, expect, it } from 'vitest';
import { clientKey, leaf } from '../test-support/pki.js';
import { renewalCsr } from './renewal-csr.js';

function spkiOf(privateKeyPem: string): Uint8Array {
  return new Uint8Array(createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' }));
}

describe('renewalCsr', () => {
  it("asks for the current certificate's common name with the current key, and core's readCsr verifies it", async () => {
    const key = await clientKey();
    const { certificatePem } = await leaf(key, null, [], 'peer-of-work');
    const csr = await readCsr(await renewalCsr(certificatePem, key.privateKeyPem));
    expect(csr.commonNames).toEqual(['peer-of-work']);
    expect(csr.subjectPublicKeyInfo).toEqual(spkiOf(key.privateKeyPem));
  });

  it.each([
    ['P-384', () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' })],
    ['RSA-2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['Ed25519', () => generateKeyPairSync('ed25519')],
  ])('signs with a %s key that readCsr accepts', async (_name, generate) => {
    const certificateKey = await clientKey();
    const { certificatePem } = await leaf(certificateKey, null, [], 'peer-of-work');
    const pem = generate().privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const csr = await readCsr(await renewalCsr(certificatePem, pem));
    expect(csr.commonNames).toEqual(['peer-of-work']);
    expect(csr.subjectPublicKeyInfo).toEqual(spkiOf(pem));
  });

  it('refuses a key type it cannot sign a request with, with a typed error', async () => {
    const key = await clientKey();
    const { certificatePem } = await leaf(key, null, [], 'peer-of-work');
    const x25519 = generateKeyPairSync('x25519').privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    await expect(renewalCsr(certificatePem, x25519)).rejects.toMatchObject({
      code: 'renewal_key_unsupported',
    });
  });
});
