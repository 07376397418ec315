/**
 * `runCaConformance`: the one suite every `CertificateAuthority` adapter runs.
 *
 * It drives the CA through the port only, as the enrollment saga and a renewing peer
 * would, and checks what a relying gateway relies on: the leaf chains to the pinned root,
 * carries both identity extensions exactly once (read back with core's own decoder), and
 * every refusal is a `CaError` with a stable code.
 *
 * @module @fedtrust/core/testing
 */
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaError, CaErrorCode } from '../errors/ca-error.js';
import { isFedtrustError } from '../errors/fedtrust-error.js';
import { encodeIdentity, readIdentity } from '../oid/index.js';
import { DEFAULT_IDENTITY_ARC } from '../oid/types.js';
import type { CertificateAuthority, IssuedCertificate, IssueRequest } from '../ports/ca.js';
import { systemClock, systemRandom } from '../system/index.js';

/** What the suite must know about the CA under test. */
export interface CaCapabilities {
  /** The identity arc the CA writes extensions under (default `DEFAULT_IDENTITY_ARC`). */
  arc?: string;
  /**
   * The CA's lifetime bounds (every CA has them: the port refuses lifetimes outside its
   * bounds). The exact boundaries are tested (`min` and `max` accepted, one second beyond
   * each refused), as are clearly absurd lifetimes (zero, one second, ten years).
   */
  lifetime: { minSeconds: number; maxSeconds: number };
}

/** What `makeCa` returns: the CA, the root a relying gateway pins, and how to tear it down. */
export interface CaUnderTest {
  ca: CertificateAuthority;
  rootPem: string;
  cleanup?: () => Promise<void>;
}

export interface CaConformanceOptions {
  /** Shown in the describe block, e.g. `local` or `step-ca`. */
  name: string;
  /** Called once for the whole suite (a real CA is slow to start). */
  makeCa: () => Promise<CaUnderTest>;
  capabilities: CaCapabilities;
}

const P256: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA_SHA256: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const TEN_YEARS = 10 * 365 * 24 * 3600;

/** An ECDSA P-256 key pair and a CSR for `commonName`, as a peer gateway would make them. */
export async function makeCsr(
  commonName: string,
): Promise<{ csrPem: string; privateKeyPem: string; keys: webcrypto.CryptoKeyPair }> {
  const keys = (await crypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: ECDSA_SHA256,
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { csrPem: csr.toString('pem'), privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), keys };
}

/** The same CSR with one bit of its signature flipped: well-formed, but its self-signature fails. */
export function tamperCsrSignature(csrPem: string): string {
  const der = new Uint8Array(x509.PemConverter.decodeFirst(csrPem));
  // The signature BIT STRING is the last field; its final byte is the low byte of ECDSA's `s`.
  der[der.length - 1] = der[der.length - 1]! ^ 0x01;
  return x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
}

function der(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const content = Buffer.concat(parts);
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Uint8Array.from([tag, ...length, ...content]);
}

/**
 * A CSR for `commonName` whose "signature" verifies although no private key exists: its RSA
 * key (2048-bit modulus) has public exponent 1, so the PKCS#1 v1.5 encoding of the digest is
 * its own signature. A CA that checks only "the self-signature verifies" certifies a key that
 * anyone can sign for.
 */
export async function forgeableRsaCsr(commonName: string): Promise<string> {
  const { publicKey } = (await crypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  )) as webcrypto.CryptoKeyPair;
  const modulus = Buffer.from((await crypto.subtle.exportKey('jwk', publicKey)).n!, 'base64url');
  const oid = (hex: string) => der(0x06, Buffer.from(hex, 'hex'));
  const rsaEncryption = der(0x30, oid('2a864886f70d010101'), der(0x05));
  const rsaKey = der(0x30, der(0x02, Uint8Array.of(0), modulus), der(0x02, Uint8Array.of(1)));
  const spki = der(0x30, rsaEncryption, der(0x03, Uint8Array.of(0), rsaKey));
  const name = der(0x30, der(0x31, der(0x30, oid('550403'), der(0x0c, Buffer.from(commonName)))));
  const info = der(0x30, der(0x02, Uint8Array.of(0)), name, spki, der(0xa0));
  const digestInfo = Buffer.concat([
    Buffer.from('3031300d060960864801650304020105000420', 'hex'),
    new Uint8Array(await crypto.subtle.digest('SHA-256', info)),
  ]);
  const padding = Buffer.alloc(modulus.length - digestInfo.length - 3, 0xff);
  const signature = Buffer.concat([Uint8Array.of(0x00, 0x01), padding, Uint8Array.of(0x00), digestInfo]);
  const sha256WithRsa = der(0x30, oid('2a864886f70d01010b'), der(0x05));
  const request = der(0x30, info, sha256WithRsa, der(0x03, Uint8Array.of(0), signature));
  return x509.PemConverter.encode(request, 'CERTIFICATE REQUEST');
}

async function expectCaError(promise: Promise<unknown>, code: CaErrorCode): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected the CA to refuse with ${code}`).not.toBeNull();
  expect(isFedtrustError(error), `expected a FedtrustError, got ${String(error)}`).toBe(true);
  expect((error as CaError).code).toBe(code);
  expect((error as CaError).status).toBeGreaterThanOrEqual(400);
  expect((error as CaError).status).toBeLessThan(500);
}

function derOf(pem: string): Uint8Array {
  return new Uint8Array(x509.PemConverter.decodeFirst(pem));
}

function spkiHex(cert: x509.X509Certificate): string {
  return Buffer.from(cert.publicKey.rawData).toString('hex');
}

/**
 * Registers the CA conformance suite with vitest for one adapter.
 *
 * @example
 * runCaConformance({ name: 'local', capabilities: { lifetime: { minSeconds: 300, maxSeconds: 7_776_000 } }, makeCa: async () => { const ca = localCa({ store, sealer }); return { ca, rootPem: (await ca.roots())[0]! }; } });
 */
export function runCaConformance(options: CaConformanceOptions): void {
  const arc = options.capabilities.arc ?? DEFAULT_IDENTITY_ARC;
  const bounds = options.capabilities.lifetime;

  describe(`CA conformance: ${options.name}`, () => {
    let subject: CaUnderTest;
    let root: x509.X509Certificate;

    beforeAll(async () => {
      subject = await options.makeCa();
      root = new x509.X509Certificate(subject.rootPem);
    });
    afterAll(async () => {
      await subject?.cleanup?.();
    });

    const request = async (overrides: Partial<IssueRequest> = {}) => {
      const commonName = `peer-${systemRandom.uuid().slice(0, 8)}.example.test`;
      const csr = await makeCsr(commonName);
      const issueRequest: IssueRequest = {
        csrPem: csr.csrPem,
        commonName,
        grantId: systemRandom.uuid(),
        subjectUserId: systemRandom.uuid(),
        ...overrides,
      };
      return { ...csr, issueRequest };
    };

    /** Verifies leaf → chain → pinned root signature by signature, as a TLS stack would. */
    const expectChainsToRoot = async (issued: IssuedCertificate) => {
      const leaf = new x509.X509Certificate(issued.certificatePem);
      const chain = issued.chainPem.map((pem) => new x509.X509Certificate(pem));
      const path = [leaf, ...chain];
      for (let i = 0; i < path.length - 1; i++) {
        expect(await path[i]!.verify({ publicKey: path[i + 1]!.publicKey, signatureOnly: true })).toBe(true);
        expect(path[i]!.issuer).toBe(path[i + 1]!.subject);
      }
      const top = path[path.length - 1]!;
      expect(await top.verify({ publicKey: root.publicKey, signatureOnly: true })).toBe(true);
      expect(top.issuer).toBe(root.subject);
      const rootHex = Buffer.from(root.rawData).toString('hex');
      for (const cert of chain) expect(Buffer.from(cert.rawData).toString('hex')).not.toBe(rootHex);
    };

    it('issues a leaf carrying both identity extensions exactly once, readable by readIdentity', async () => {
      const { issueRequest } = await request();
      const issued = await subject.ca.issue(issueRequest);
      const leaf = new x509.X509Certificate(issued.certificatePem);

      expect(readIdentity(derOf(issued.certificatePem), arc)).toEqual({
        grantId: issueRequest.grantId,
        subjectUserId: issueRequest.subjectUserId,
      });
      expect(leaf.extensions.filter((e) => e.type === `${arc}.1.1`)).toHaveLength(1);
      expect(leaf.extensions.filter((e) => e.type === `${arc}.1.2`)).toHaveLength(1);
      expect(leaf.subjectName.getField('CN')).toEqual([issueRequest.commonName]);
      const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension);
      expect(eku?.usages).toContain(CLIENT_AUTH);
    });

    it('reports the serial and validity the certificate itself carries', async () => {
      const issued = await subject.ca.issue((await request()).issueRequest);
      const leaf = new x509.X509Certificate(issued.certificatePem);
      expect(issued.serial).toMatch(/^[0-9a-f]+$/);
      expect(issued.serial).toBe(leaf.serialNumber.toLowerCase().replace(/^(00)+/, ''));
      expect(issued.notBefore.getTime()).toBe(leaf.notBefore.getTime());
      expect(issued.notAfter.getTime()).toBe(leaf.notAfter.getTime());
    });

    it("issues a leaf that chains, signature by signature, to the CA's root", async () => {
      const issued = await subject.ca.issue((await request()).issueRequest);
      await expectChainsToRoot(issued);
    });

    it('refuses a CSR whose self-signature does not verify with ca_csr_invalid', async () => {
      const { issueRequest } = await request();
      await expectCaError(
        subject.ca.issue({ ...issueRequest, csrPem: tamperCsrSignature(issueRequest.csrPem) }),
        'ca_csr_invalid',
      );
    });

    it('refuses a CSR that is not a PKCS#10 request with ca_csr_invalid', async () => {
      const { issueRequest } = await request();
      const garbage = x509.PemConverter.encode(
        new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]),
        'CERTIFICATE REQUEST',
      );
      await expectCaError(subject.ca.issue({ ...issueRequest, csrPem: garbage }), 'ca_csr_invalid');
    });

    it('refuses a CSR whose common name disagrees with the request with ca_csr_mismatch', async () => {
      const { issueRequest } = await request();
      await expectCaError(
        subject.ca.issue({ ...issueRequest, commonName: 'someone-else.example.test' }),
        'ca_csr_mismatch',
      );
    });

    it('certifies only what the request names: extensions the CSR asks for are never copied into the leaf', async () => {
      const commonName = `peer-${systemRandom.uuid().slice(0, 8)}.example.test`;
      const keys = (await crypto.subtle.generateKey(P256, true, [
        'sign',
        'verify',
      ])) as webcrypto.CryptoKeyPair;
      const forged = encodeIdentity(
        { grantId: systemRandom.uuid(), subjectUserId: systemRandom.uuid() },
        arc,
      );
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: [{ CN: [commonName] }],
        keys,
        signingAlgorithm: ECDSA_SHA256,
        extensions: [
          new x509.BasicConstraintsExtension(true, 3, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          new x509.ExtendedKeyUsageExtension([SERVER_AUTH]),
          new x509.Extension(forged.grantId.oid, false, forged.grantId.der),
          new x509.Extension(forged.subjectUserId.oid, false, forged.subjectUserId.der),
        ],
      });
      const issueRequest: IssueRequest = {
        csrPem: csr.toString('pem'),
        commonName,
        grantId: systemRandom.uuid(),
        subjectUserId: systemRandom.uuid(),
      };
      // A CA may refuse such a request outright; if it issues, the leaf must ignore the asks.
      const issued = await subject.ca.issue(issueRequest).catch((error: unknown) => {
        expect((error as CaError).code).toBe('ca_csr_invalid');
        return null;
      });
      if (issued === null) return;
      const leaf = new x509.X509Certificate(issued.certificatePem);
      expect(leaf.getExtension(x509.BasicConstraintsExtension)?.ca ?? false).toBe(false);
      const usages = leaf.getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
      expect(usages & (x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign)).toBe(0);
      expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages).not.toContain(SERVER_AUTH);
      expect(leaf.extensions.filter((e) => e.type === `${arc}.1.1`)).toHaveLength(1);
      expect(readIdentity(derOf(issued.certificatePem), arc)).toEqual({
        grantId: issueRequest.grantId,
        subjectUserId: issueRequest.subjectUserId,
      });
    });

    it('refuses a CSR whose RSA key has public exponent 1 (its signature proves no key) with ca_csr_invalid', async () => {
      const { issueRequest } = await request();
      const csrPem = await forgeableRsaCsr(issueRequest.commonName);
      await expectCaError(subject.ca.issue({ ...issueRequest, csrPem }), 'ca_csr_invalid');
    });

    it('refuses to renew a certificate with the same identity extensions from another CA with ca_certificate_unknown', async () => {
      const { issueRequest, keys, privateKeyPem } = await request();
      const strangerKeys = (await crypto.subtle.generateKey(P256, true, [
        'sign',
        'verify',
      ])) as webcrypto.CryptoKeyPair;
      const encoded = encodeIdentity(
        { grantId: issueRequest.grantId, subjectUserId: issueRequest.subjectUserId },
        arc,
      );
      const now = systemClock.now();
      const foreign = await x509.X509CertificateGenerator.create({
        serialNumber: '01',
        subject: [{ CN: [issueRequest.commonName] }],
        issuer: root.subjectName,
        notBefore: new Date(now.getTime() - 60_000),
        notAfter: new Date(now.getTime() + 3600_000),
        publicKey: keys.publicKey,
        signingKey: strangerKeys.privateKey,
        signingAlgorithm: ECDSA_SHA256,
        extensions: [
          new x509.ExtendedKeyUsageExtension([CLIENT_AUTH]),
          new x509.Extension(encoded.grantId.oid, false, encoded.grantId.der),
          new x509.Extension(encoded.subjectUserId.oid, false, encoded.subjectUserId.der),
        ],
      });
      await expectCaError(
        subject.ca.renew({ certificatePem: foreign.toString('pem'), privateKeyPem }),
        'ca_certificate_unknown',
      );
    });

    it('renews with the same identity and key, a new serial, and validity that does not move back', async () => {
      const { issueRequest, privateKeyPem } = await request();
      const original = await subject.ca.issue(issueRequest);
      const renewed = await subject.ca.renew({ certificatePem: original.certificatePem, privateKeyPem });

      expect(readIdentity(derOf(renewed.certificatePem), arc)).toEqual({
        grantId: issueRequest.grantId,
        subjectUserId: issueRequest.subjectUserId,
      });
      const before = new x509.X509Certificate(original.certificatePem);
      const after = new x509.X509Certificate(renewed.certificatePem);
      expect(spkiHex(after)).toBe(spkiHex(before));
      expect(after.subjectName.getField('CN')).toEqual([issueRequest.commonName]);
      expect(renewed.serial).not.toBe(original.serial);
      expect(renewed.notBefore.getTime()).toBeGreaterThanOrEqual(original.notBefore.getTime());
      expect(renewed.notAfter.getTime()).toBeGreaterThanOrEqual(original.notAfter.getTime());
      await expectChainsToRoot(renewed);
    });

    it('refuses to renew with a private key that is not the certificate key', async () => {
      const { issueRequest } = await request();
      const original = await subject.ca.issue(issueRequest);
      const other = await makeCsr('other.example.test');
      const error = await subject.ca
        .renew({ certificatePem: original.certificatePem, privateKeyPem: other.privateKeyPem })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(isFedtrustError(error)).toBe(true);
      expect((error as CaError).status).toBeGreaterThanOrEqual(400);
    });

    it('refuses to renew a revoked certificate with ca_certificate_revoked; revoking twice is harmless', async () => {
      const { issueRequest, privateKeyPem } = await request();
      const issued = await subject.ca.issue(issueRequest);
      await subject.ca.revoke({ serial: issued.serial, reason: 'conformance' });
      await subject.ca.revoke({ serial: issued.serial, reason: 'conformance again' });
      await expectCaError(
        subject.ca.renew({ certificatePem: issued.certificatePem, privateKeyPem }),
        'ca_certificate_revoked',
      );
    });

    it('revoking one certificate leaves another renewable', async () => {
      const a = await request();
      const b = await request();
      const revoked = await subject.ca.issue(a.issueRequest);
      const kept = await subject.ca.issue(b.issueRequest);
      await subject.ca.revoke({ serial: revoked.serial });
      const renewed = await subject.ca.renew({
        certificatePem: kept.certificatePem,
        privateKeyPem: b.privateKeyPem,
      });
      expect(renewed.serial).not.toBe(kept.serial);
    });

    it.each([
      ['zero', 0],
      ['negative', -60],
      ['one second', 1],
      ['ten years', TEN_YEARS],
    ])('refuses a %s lifetime with ca_lifetime_out_of_bounds', async (_label, lifetimeSeconds) => {
      const { issueRequest } = await request({ lifetimeSeconds });
      await expectCaError(subject.ca.issue(issueRequest), 'ca_lifetime_out_of_bounds');
    });

    it('accepts the exact lifetime bounds and refuses one second beyond either', async () => {
      for (const lifetimeSeconds of [bounds.minSeconds, bounds.maxSeconds]) {
        const { issueRequest } = await request({ lifetimeSeconds });
        const issued = await subject.ca.issue(issueRequest);
        const granted = (issued.notAfter.getTime() - systemClock.now().getTime()) / 1000;
        // A CA may backdate notBefore for clock skew; what the peer gets is notAfter from now.
        expect(Math.abs(granted - lifetimeSeconds)).toBeLessThan(120);
      }
      for (const lifetimeSeconds of [bounds.minSeconds - 1, bounds.maxSeconds + 1]) {
        const { issueRequest } = await request({ lifetimeSeconds });
        await expectCaError(subject.ca.issue(issueRequest), 'ca_lifetime_out_of_bounds');
      }
    });

    it('gives every certificate a distinct serial, also when issued concurrently', async () => {
      const requests = await Promise.all(Array.from({ length: 8 }, () => request()));
      const issued = await Promise.all(requests.map((r) => subject.ca.issue(r.issueRequest)));
      expect(new Set(issued.map((c) => c.serial)).size).toBe(8);
    });

    it('lists the pinned root among roots()', async () => {
      const roots = await subject.ca.roots();
      const wanted = Buffer.from(root.rawData).toString('hex');
      expect(roots.map((pem) => Buffer.from(derOf(pem)).toString('hex'))).toContain(wanted);
    });

    it('reports itself healthy', async () => {
      expect(await subject.ca.health()).toMatchObject({ ok: true });
    });
  });
}
