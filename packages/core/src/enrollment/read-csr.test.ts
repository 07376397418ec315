import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forgeableRsaCsr, makeCsr, tamperCsrSignature } from '../testing/ca-conformance.js';
import { readCsr } from './read-csr.js';

async function csrWith(
  generate: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.Algorithm,
  signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams,
  name: x509.JsonName | string = [{ CN: ['peer.example.test'] }],
) {
  const keys = (await crypto.subtle.generateKey(generate, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm });
  return {
    pem: csr.toString('pem'),
    spki: new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey)),
  };
}

async function refusal(pem: string) {
  return readCsr(pem).then(
    () => null,
    (e: { code: string; status: number }) => ({ code: e.code, status: e.status }),
  );
}

describe('readCsr', () => {
  it.each([
    ['ECDSA P-256 / SHA-256', { name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' }],
    ['ECDSA P-384 / SHA-384', { name: 'ECDSA', namedCurve: 'P-384' }, { name: 'ECDSA', hash: 'SHA-384' }],
    ['ECDSA P-521 / SHA-512', { name: 'ECDSA', namedCurve: 'P-521' }, { name: 'ECDSA', hash: 'SHA-512' }],
    ['Ed25519', { name: 'Ed25519' }, { name: 'Ed25519' }],
    [
      'RSA 2048 / SHA-256',
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    ],
  ])('verifies a %s request and returns its common name and key', async (_label, generate, signing) => {
    const { pem, spki } = await csrWith(generate, signing);
    const read = await readCsr(pem);
    expect(read.commonNames).toEqual(['peer.example.test']);
    expect(Buffer.from(read.subjectPublicKeyInfo).toString('hex')).toBe(Buffer.from(spki).toString('hex'));
  });

  it('returns every common name, in order, and ignores other attributes', async () => {
    const { pem } = await csrWith(
      { name: 'ECDSA', namedCurve: 'P-256' },
      { name: 'ECDSA', hash: 'SHA-256' },
      [{ O: ['Example'] }, { CN: ['a.example.test'] }, { CN: ['ü.example.test'] }],
    );
    expect((await readCsr(pem)).commonNames).toEqual(['a.example.test', 'ü.example.test']);
  });

  it('accepts the legacy NEW CERTIFICATE REQUEST label and CRLF line ends', async () => {
    const { csrPem } = await makeCsr('peer.example.test');
    const legacy = csrPem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST').replace(/\n/g, '\r\n');
    expect((await readCsr(legacy)).commonNames).toEqual(['peer.example.test']);
  });

  it('refuses a request whose signature was tampered with', async () => {
    const { csrPem } = await makeCsr('peer.example.test');
    expect(await refusal(tamperCsrSignature(csrPem))).toEqual({
      code: 'enrollment_csr_invalid',
      status: 400,
    });
  });

  it('refuses a request whose subject was changed after signing', async () => {
    const { csrPem } = await makeCsr('peer.example.test');
    const der = new Uint8Array(x509.PemConverter.decodeFirst(csrPem));
    const at = Buffer.from(der).indexOf(Buffer.from('peer.example.test'));
    der[at] = 'x'.charCodeAt(0);
    const forged = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
    expect(await refusal(forged)).toEqual({ code: 'enrollment_csr_invalid', status: 400 });
  });

  it.each([
    ['an empty string', ''],
    ['a certificate instead of a request', '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----'],
    ['non-base64 text', '-----BEGIN CERTIFICATE REQUEST-----\n@@@@\n-----END CERTIFICATE REQUEST-----'],
    ['an empty SEQUENCE', '-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----'],
    [
      'an oversized input',
      `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(20_000)}\n-----END CERTIFICATE REQUEST-----`,
    ],
  ])('refuses %s', async (_label, pem) => {
    expect(await refusal(pem)).toEqual({ code: 'enrollment_csr_invalid', status: 400 });
  });

  it('refuses an RSA key whose signature proves no possession (public exponent 1) or shorter than 2048 bits', async () => {
    expect(await refusal(await forgeableRsaCsr('peer.example.test'))).toEqual({
      code: 'enrollment_csr_invalid',
      status: 400,
    });
    const rsa1024 = {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 1024,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    };
    const { pem } = await csrWith(rsa1024, rsa1024);
    expect(await refusal(pem)).toEqual({ code: 'enrollment_csr_invalid', status: 400 });
  });

  it('returns the verified request re-encoded as one canonical PEM block, whatever surrounds it', async () => {
    const { csrPem } = await makeCsr('peer.example.test');
    const other = await makeCsr('other.example.test');
    const decoy = other.csrPem.replace(/CERTIFICATE REQUEST/g, 'DECOY');
    const read = await readCsr(`${decoy}\nsome text\n${csrPem.replace(/\n/g, '\r\n')}`);
    expect(read.pem).toBe(
      x509.PemConverter.encode(x509.PemConverter.decodeFirst(csrPem), 'CERTIFICATE REQUEST'),
    );
    expect(new x509.Pkcs10CertificateRequest(read.pem).subject).toBe('CN=peer.example.test');
  });

  it('refuses BER a strict DER reader (step-ca) would refuse after the token is spent: long lengths, padded integers', async () => {
    const { csrPem } = await makeCsr('peer.example.test');
    const der = new Uint8Array(x509.PemConverter.decodeFirst(csrPem));
    // The outer length is not covered by the signature: re-encode it with a needless extra octet.
    const body = der.subarray(2 + (der[1]! & 0x7f));
    const longForm = Uint8Array.from([0x30, 0x83, 0x00, body.length >> 8, body.length & 0xff, ...body]);
    expect(await refusal(x509.PemConverter.encode(longForm, 'CERTIFICATE REQUEST'))).toEqual({
      code: 'enrollment_csr_invalid',
      status: 400,
    });

    // The ECDSA signature is not signed either: pad r with a 0x00 octet it does not need.
    const tlv = (tag: number, content: Uint8Array) => {
      const n = content.length;
      const head = n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : [tag, 0x82, n >> 8, n & 0xff];
      return Uint8Array.from([...head, ...content]);
    };
    const request = new x509.Pkcs10CertificateRequest(csrPem);
    // ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, short lengths for P-256.
    const minimal = new Uint8Array(request.signature);
    const rLength = minimal[3]!;
    const r = minimal.subarray(4, 4 + rLength);
    const sInteger = minimal.subarray(4 + rLength);
    const padded = tlv(0x30, Uint8Array.from([0x02, rLength + 1, 0x00, ...r, ...sInteger]));
    // certificationRequestInfo: the first element of the body (a long-form length here).
    const infoLength =
      body[1]! & 0x80 ? body.subarray(2, 2 + (body[1]! & 0x7f)).reduce((n, b) => n * 256 + b, 0) : body[1]!;
    const info = body.subarray(0, 2 + (body[1]! & 0x80 ? body[1]! & 0x7f : 0) + infoLength);
    const algorithm = tlv(0x30, tlv(0x06, Uint8Array.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02])));
    const bitString = tlv(0x03, Uint8Array.from([0, ...padded]));
    const content = Uint8Array.from([...info, ...algorithm, ...bitString]);
    const rebuilt = tlv(0x30, content);
    expect(await refusal(x509.PemConverter.encode(rebuilt, 'CERTIFICATE REQUEST'))).toEqual({
      code: 'enrollment_csr_invalid',
      status: 400,
    });
    const same = Uint8Array.from([...info, ...algorithm, ...tlv(0x03, Uint8Array.from([0, ...minimal]))]);
    const control = tlv(0x30, same);
    expect((await readCsr(x509.PemConverter.encode(control, 'CERTIFICATE REQUEST'))).commonNames).toEqual([
      'peer.example.test',
    ]);
  });

  it('refuses trailing bytes after the request', async () => {
    const { csrPem } = await makeCsr('peer.example.test');
    const der = new Uint8Array(x509.PemConverter.decodeFirst(csrPem));
    const padded = x509.PemConverter.encode(Uint8Array.from([...der, 0x00]), 'CERTIFICATE REQUEST');
    expect(await refusal(padded)).toEqual({ code: 'enrollment_csr_invalid', status: 400 });
  });

  it('refuses every truncation and every single-byte corruption with enrollment_csr_invalid', async () => {
    const { csrPem } = await makeCsr('peer.example.test');
    const der = new Uint8Array(x509.PemConverter.decodeFirst(csrPem));
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: der.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        async (index, xor, truncate) => {
          const mutated = truncate
            ? der.slice(0, index)
            : Uint8Array.from(der, (b, i) => (i === index ? b ^ xor : b));
          const outcome = await refusal(x509.PemConverter.encode(mutated, 'CERTIFICATE REQUEST'));
          expect(outcome).toEqual({ code: 'enrollment_csr_invalid', status: 400 });
        },
      ),
      { numRuns: 200 },
    );
  });
});
