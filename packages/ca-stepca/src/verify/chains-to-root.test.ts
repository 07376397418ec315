import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { chainsToRoot } from './chains-to-root.js';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const HOUR = 3600_000;
const NOW = new Date();

interface Node {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

const der = (n: Node) => new Uint8Array(n.cert.rawData);
let serial = 1;

async function selfSigned(name: string, pathLength?: number): Promise<Node> {
  const keys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name,
    notBefore: new Date(NOW.getTime() - HOUR),
    notAfter: new Date(NOW.getTime() + 24 * HOUR),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, pathLength, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

async function issued(
  issuer: Node,
  name: string,
  options: { ca?: boolean; pathLength?: number; notBefore?: Date; notAfter?: Date } = {},
): Promise<Node> {
  const keys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const ca = options.ca === true;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject: name,
    issuer: issuer.cert.subject,
    notBefore: options.notBefore ?? new Date(NOW.getTime() - HOUR),
    notAfter: options.notAfter ?? new Date(NOW.getTime() + 12 * HOUR),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(ca, ca ? options.pathLength : undefined, true),
      new x509.KeyUsagesExtension(
        ca
          ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
          : x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
  });
  return { cert, keys };
}

let root: Node;
let intermediate: Node;

beforeAll(async () => {
  root = await selfSigned('CN=pinned root', 1);
  intermediate = await issued(root, 'CN=intermediate', { ca: true, pathLength: 0 });
});

describe('chainsToRoot', () => {
  it('accepts a leaf under an intermediate under the pinned root', async () => {
    const leaf = await issued(intermediate, 'CN=leaf');
    expect(await chainsToRoot(der(leaf), [der(intermediate)], der(root), NOW)).toBeNull();
  });

  it('refuses a chain that ends in a self-signed root the CA sent, even one named like the pinned root', async () => {
    const impostor = await selfSigned('CN=pinned root', 1);
    const impostorIntermediate = await issued(impostor, 'CN=intermediate', { ca: true, pathLength: 0 });
    const leaf = await issued(impostorIntermediate, 'CN=leaf');
    const problem = await chainsToRoot(der(leaf), [der(impostorIntermediate), der(impostor)], der(root), NOW);
    expect(problem?.kind).toBe('untrusted');
  });

  it('refuses a leaf signed by a certificate under the root that is not a CA', async () => {
    const endEntity = await issued(root, 'CN=not a ca');
    const leaf = await issued(endEntity, 'CN=leaf');
    expect(await chainsToRoot(der(leaf), [der(endEntity)], der(root), NOW)).not.toBeNull();
  });

  it("refuses a sub-CA below an intermediate whose path length is 0 (the root's constraints hold)", async () => {
    const subCa = await issued(intermediate, 'CN=sub ca', { ca: true });
    const leaf = await issued(subCa, 'CN=leaf');
    expect(await chainsToRoot(der(leaf), [der(subCa), der(intermediate)], der(root), NOW)).not.toBeNull();
  });

  it('refuses a path through an intermediate that expired at the check instant', async () => {
    const stale = await issued(root, 'CN=stale', {
      ca: true,
      pathLength: 0,
      notBefore: new Date(NOW.getTime() - 2 * HOUR),
      notAfter: new Date(NOW.getTime() - HOUR),
    });
    const leaf = await issued(stale, 'CN=leaf');
    expect((await chainsToRoot(der(leaf), [der(stale)], der(root), NOW))?.kind).toBe('expired');
  });

  it('refuses a leaf not yet valid at the check instant', async () => {
    const early = await issued(intermediate, 'CN=leaf', { notBefore: new Date(NOW.getTime() + HOUR) });
    expect((await chainsToRoot(der(early), [der(intermediate)], der(root), NOW))?.kind).toBe('expired');
  });

  it('refuses a leaf whose signature is broken', async () => {
    const leaf = await issued(intermediate, 'CN=leaf');
    const bytes = der(leaf).slice();
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0x01;
    expect(await chainsToRoot(bytes, [der(intermediate)], der(root), NOW)).not.toBeNull();
  });

  it('refuses a leaf with a broken signature even when the chain carries a validly signed twin (same TBS)', async () => {
    const leaf = await issued(intermediate, 'CN=leaf');
    // ECDSA signatures are randomised: re-signing the same TBS gives a different, valid certificate.
    const tbs = pkijs.Certificate.fromBER(der(leaf));
    await tbs.sign(intermediate.keys.privateKey, 'SHA-256');
    const twin = new Uint8Array(tbs.toSchema().toBER());
    expect(Buffer.from(twin).equals(Buffer.from(der(leaf)))).toBe(false);
    const broken = der(leaf).slice();
    broken[broken.length - 5] = (broken[broken.length - 5] as number) ^ 0x01;
    expect(await chainsToRoot(broken, [der(intermediate), twin], der(root), NOW)).not.toBeNull();
  });

  it('refuses garbage without throwing', async () => {
    expect((await chainsToRoot(new Uint8Array([1, 2, 3]), [], der(root), NOW))?.kind).toBe('malformed');
  });
});
