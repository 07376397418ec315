/**
 * Reading a PKCS#10 certificate request (RFC 2986) in pure core.
 *
 * Why hand-written: `@peculiar/x509` is only an optional peer dependency of core (for the
 * testing subpath), so the main entry must not import it. A CSR needs only a handful of
 * DER fields — the signed `certificationRequestInfo`, the subject's common names, the
 * `subjectPublicKeyInfo`, the signature algorithm and the signature — and WebCrypto does
 * the cryptography. Anything unexpected is refused rather than guessed at.
 *
 * @module @fedtrust/core/enrollment
 */
import type { webcrypto } from 'node:crypto';
import { EnrollPeerError } from './enroll-peer-error.js';

/** What the saga needs from a CSR whose self-signature has been verified. */
export interface VerifiedCsr {
  /** Every common name of the subject, in order (a well-formed peer CSR has exactly one). */
  commonNames: string[];
  /** DER SubjectPublicKeyInfo of the key the CSR asks to certify. */
  subjectPublicKeyInfo: Uint8Array;
  /**
   * Exactly the verified request as one `CERTIFICATE REQUEST` block (64-column base64, `\n`).
   * Forward this, never the text the peer sent: a CA's PEM reader may pick another block
   * (peculiar and Go take the first block of any label) than the one verified here.
   */
  pem: string;
}

/** RSA below this is refused; both shipped CAs refuse it too, and the token is not yet spent. */
const MIN_RSA_BITS = 2048;

/** Larger than any CSR a peer sends (an RSA-4096 CSR is under 2 KiB); bounds the work for hostile input. */
const MAX_PEM_LENGTH = 16 * 1024;

const OID_COMMON_NAME = '2.5.4.3';
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_RSA = '1.2.840.113549.1.1.1';
const OID_ED25519 = '1.3.101.112';

const CURVES: Record<string, { name: string; size: number }> = {
  '1.2.840.10045.3.1.7': { name: 'P-256', size: 32 },
  '1.3.132.0.34': { name: 'P-384', size: 48 },
  '1.3.132.0.35': { name: 'P-521', size: 66 },
};

/** Signature algorithm OID → the key algorithm it needs and the hash it uses. */
const SIGNATURES: Record<string, { key: string; hash: string | null }> = {
  '1.2.840.10045.4.3.2': { key: OID_EC_PUBLIC_KEY, hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { key: OID_EC_PUBLIC_KEY, hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { key: OID_EC_PUBLIC_KEY, hash: 'SHA-512' },
  '1.2.840.113549.1.1.11': { key: OID_RSA, hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { key: OID_RSA, hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { key: OID_RSA, hash: 'SHA-512' },
  [OID_ED25519]: { key: OID_ED25519, hash: null },
};

const TAG = {
  integer: 0x02,
  bitString: 0x03,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
  attributes: 0xa0,
} as const;

function invalid(why: string): EnrollPeerError {
  return new EnrollPeerError('enrollment_csr_invalid', `The CSR is not acceptable: ${why}.`);
}

/** One DER element: `tag`, the whole encoding `[start, end)` and the contents `[contentStart, end)`. */
interface Element {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

function readElement(der: Uint8Array, offset: number, limit: number): Element {
  if (offset + 2 > limit) throw invalid('truncated DER');
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) throw invalid('unexpected high-tag-number form');
  let length = der[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 3) throw invalid('unsupported DER length');
    if (contentStart + count > limit) throw invalid('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[contentStart + i]!;
    contentStart += count;
    // DER: the fewest length octets (a strict reader such as step-ca's refuses anything else).
    if (length < 0x80 || der[offset + 2] === 0) throw invalid('non-minimal DER length');
  }
  const end = contentStart + length;
  if (end > limit) throw invalid('DER element longer than its container');
  return { tag, start: offset, contentStart, end };
}

function expectElement(der: Uint8Array, offset: number, limit: number, tag: number, what: string): Element {
  const element = readElement(der, offset, limit);
  if (element.tag !== tag) throw invalid(`${what} has an unexpected type`);
  return element;
}

/** The children of a constructed element. */
function children(der: Uint8Array, parent: Element): Element[] {
  const out: Element[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readElement(der, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

function readOid(der: Uint8Array, element: Element): string {
  if (element.tag !== TAG.oid || element.end === element.contentStart)
    throw invalid('malformed object identifier');
  const arcs: number[] = [];
  let value = 0;
  for (let i = element.contentStart; i < element.end; i++) {
    const byte = der[i]!;
    if (value === 0 && byte === 0x80) throw invalid('non-minimal object identifier');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw invalid('object identifier arc too large');
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0)
        arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  if (der[element.end - 1]! & 0x80) throw invalid('truncated object identifier');
  return arcs.join('.');
}

function readDirectoryString(der: Uint8Array, element: Element): string {
  const bytes = der.subarray(element.contentStart, element.end);
  try {
    switch (element.tag) {
      case 0x0c: // UTF8String
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      case 0x13: // PrintableString
      case 0x16: // IA5String
        if (bytes.some((b) => b > 0x7f)) throw invalid('non-ASCII byte in an ASCII string');
        return String.fromCharCode(...bytes);
      default:
        throw invalid('unsupported string type in the subject');
    }
  } catch (error) {
    if (error instanceof EnrollPeerError) throw error;
    throw invalid('subject string is not valid UTF-8');
  }
}

function commonNamesOf(der: Uint8Array, subject: Element): string[] {
  const names: string[] = [];
  for (const rdn of children(der, subject)) {
    if (rdn.tag !== TAG.set) throw invalid('malformed subject name');
    for (const attribute of children(der, rdn)) {
      if (attribute.tag !== TAG.sequence) throw invalid('malformed subject attribute');
      const [type, value, extra] = children(der, attribute);
      if (!type || !value || extra) throw invalid('malformed subject attribute');
      if (readOid(der, type) === OID_COMMON_NAME) names.push(readDirectoryString(der, value));
    }
  }
  return names;
}

/** The unsigned big-endian integer content of a DER INTEGER, left-padded to `size` bytes. */
function fixedWidth(der: Uint8Array, element: Element, size: number): Uint8Array {
  if (element.tag !== TAG.integer || element.end === element.contentStart)
    throw invalid('malformed ECDSA signature');
  const first = der[element.contentStart]!;
  const padded =
    first === 0 && element.end - element.contentStart > 1 && der[element.contentStart + 1]! < 0x80;
  if (first & 0x80 || padded) throw invalid('ECDSA signature integers are not minimal positive DER');
  let start = element.contentStart;
  while (start < element.end - 1 && der[start] === 0) start++;
  const length = element.end - start;
  if (length > size) throw invalid('ECDSA signature value too large for the curve');
  const out = new Uint8Array(size);
  out.set(der.subarray(start, element.end), size - length);
  return out;
}

function decodePem(csrPem: string): Uint8Array {
  if (typeof csrPem !== 'string' || csrPem.length > MAX_PEM_LENGTH) throw invalid('missing or oversized PEM');
  const match =
    /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]+)-----END (NEW )?CERTIFICATE REQUEST-----/.exec(
      csrPem,
    );
  if (!match) throw invalid('no PEM CERTIFICATE REQUEST block');
  const base64 = match[2]!.replace(/\s+/g, '');
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    throw invalid('the PEM body is not base64');
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function encodePem(der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = ['-----BEGIN CERTIFICATE REQUEST-----'];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  lines.push('-----END CERTIFICATE REQUEST-----');
  return lines.join('\n');
}

/**
 * An RSA signature proves possession only with a real exponent: with e = 1 the padded digest
 * is its own signature, and WebCrypto verifies it. Odd and at least 65537 (CA/Browser Forum
 * baseline), modulus at least 2048 bits.
 */
function checkRsaKey(algorithm: webcrypto.KeyAlgorithm): void {
  const rsa = algorithm as webcrypto.RsaHashedKeyAlgorithm;
  if (rsa.name !== 'RSASSA-PKCS1-v1_5') return;
  if (rsa.modulusLength < MIN_RSA_BITS) throw invalid(`RSA keys need at least ${MIN_RSA_BITS} bits`);
  let exponent = 0n;
  for (const byte of rsa.publicExponent) exponent = exponent * 256n + BigInt(byte);
  if (exponent < 65537n || exponent % 2n === 0n)
    throw invalid('the RSA public exponent is too small or even');
}

function keyAlgorithm(der: Uint8Array, spki: Element, signatureOid: string) {
  const signature = SIGNATURES[signatureOid];
  if (!signature) throw invalid(`unsupported signature algorithm ${signatureOid}`);
  const [algorithm] = children(der, spki);
  if (!algorithm || algorithm.tag !== TAG.sequence) throw invalid('malformed subjectPublicKeyInfo');
  const [keyOid, parameters] = children(der, algorithm);
  if (!keyOid) throw invalid('malformed subjectPublicKeyInfo');
  const key = readOid(der, keyOid);
  if (key !== signature.key) throw invalid('the signature algorithm does not fit the key type');
  if (key === OID_EC_PUBLIC_KEY) {
    const curve = parameters?.tag === TAG.oid ? CURVES[readOid(der, parameters)] : undefined;
    if (!curve) throw invalid('unsupported elliptic curve');
    return {
      importParams: { name: 'ECDSA', namedCurve: curve.name } as webcrypto.EcKeyImportParams,
      verifyParams: { name: 'ECDSA', hash: signature.hash! } as webcrypto.EcdsaParams,
      ecdsaSize: curve.size,
    };
  }
  if (key === OID_RSA) {
    const params = { name: 'RSASSA-PKCS1-v1_5', hash: signature.hash! } as webcrypto.RsaHashedImportParams;
    return { importParams: params, verifyParams: params, ecdsaSize: 0 };
  }
  return { importParams: { name: 'Ed25519' }, verifyParams: { name: 'Ed25519' }, ecdsaSize: 0 };
}

/**
 * Parses a PEM PKCS#10 request and verifies its self-signature with WebCrypto. Accepts
 * ECDSA (P-256/384/521), RSA PKCS#1 v1.5 (at least 2048 bits, odd exponent at least 65537)
 * and Ed25519. Returns the verified DER re-encoded as `pem` for the CA. Throws `enrollment_csr_invalid`
 * (400) for anything unparsable, unsupported or whose signature does not verify; never
 * returns an unverified CSR.
 */
export async function readCsr(csrPem: string): Promise<VerifiedCsr> {
  const der = decodePem(csrPem);
  const outer = expectElement(der, 0, der.length, TAG.sequence, 'the request');
  if (outer.end !== der.length) throw invalid('trailing bytes after the request');
  const [info, signatureAlgorithm, signature, extra] = children(der, outer);
  if (!info || !signatureAlgorithm || !signature || extra)
    throw invalid('the request needs exactly three fields');
  if (
    info.tag !== TAG.sequence ||
    signatureAlgorithm.tag !== TAG.sequence ||
    signature.tag !== TAG.bitString
  ) {
    throw invalid('the request fields have unexpected types');
  }
  const [version, subject, spki, attributes, more] = children(der, info);
  if (!version || !subject || !spki || attributes?.tag !== TAG.attributes || more) {
    throw invalid('malformed certificationRequestInfo');
  }
  if (
    version.tag !== TAG.integer ||
    version.end - version.contentStart !== 1 ||
    der[version.contentStart] !== 0
  ) {
    throw invalid('unsupported request version');
  }
  if (subject.tag !== TAG.sequence || spki.tag !== TAG.sequence) throw invalid('malformed subject or key');
  const [signatureOid] = children(der, signatureAlgorithm);
  if (!signatureOid) throw invalid('malformed signature algorithm');
  const algorithm = keyAlgorithm(der, spki, readOid(der, signatureOid));

  if (signature.end === signature.contentStart || der[signature.contentStart] !== 0) {
    throw invalid('the signature bit string has unused bits');
  }
  let signatureBytes = der.subarray(signature.contentStart + 1, signature.end);
  if (algorithm.ecdsaSize > 0) {
    const sequence = expectElement(
      signatureBytes,
      0,
      signatureBytes.length,
      TAG.sequence,
      'the ECDSA signature',
    );
    const [r, s, rest] = children(signatureBytes, sequence);
    if (!r || !s || rest || sequence.end !== signatureBytes.length)
      throw invalid('malformed ECDSA signature');
    const raw = new Uint8Array(algorithm.ecdsaSize * 2);
    raw.set(fixedWidth(signatureBytes, r, algorithm.ecdsaSize), 0);
    raw.set(fixedWidth(signatureBytes, s, algorithm.ecdsaSize), algorithm.ecdsaSize);
    signatureBytes = raw;
  }

  const subjectPublicKeyInfo = der.slice(spki.start, spki.end);
  let verified: boolean;
  try {
    const key = await crypto.subtle.importKey('spki', subjectPublicKeyInfo, algorithm.importParams, false, [
      'verify',
    ]);
    checkRsaKey(key.algorithm);
    verified = await crypto.subtle.verify(
      algorithm.verifyParams,
      key,
      signatureBytes,
      der.subarray(info.start, info.end),
    );
  } catch (error) {
    if (error instanceof EnrollPeerError) throw error;
    throw invalid('the public key cannot be imported');
  }
  if (!verified) throw invalid('the signature does not verify with the key it carries');
  return { commonNames: commonNamesOf(der, subject), subjectPublicKeyInfo, pem: encodePem(der) };
}
