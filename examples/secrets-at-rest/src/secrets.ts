/**
 * Every secret a run produced or saw, in every encoding it could be written in, and the scan
 * that looks for them in database dumps, files and logs.
 *
 * The rule: fedtrust may store and log the first 8 characters of a token (`tokenPrefix`),
 * nothing more. So for every encoded form of a secret, its first 9 characters must not
 * appear anywhere (which also rules out any longer prefix and the whole form). Forms that
 * open with public structure — a PEM, and the PKCS#8 DER in base64 or hex, which begin with
 * the same ASN.1 header for every P-256 key — are searched whole; the secret inside them,
 * the private scalar, is a form of its own under the 9-character rule. Raw bytes follow the
 * same rule: no run of a secret's first 9 bytes.
 *
 * Files are read as bytes, where values sit back to back: a token's stored 8-character prefix
 * followed by the next column's first byte can equal the token's first 9 characters by chance
 * (1 in 64). In bytes a token is therefore searched as its first 16 characters, and its body
 * (the token without `fte_`/`ftp_`) by the 9-character rule, which covers every stored prefix
 * of 13 characters or more; cell values and log entries, read one value at a time, keep the
 * strict rule.
 *
 * @module @fedtrust/example-secrets-at-rest/secrets
 */
import { Buffer } from 'node:buffer';
import { createPrivateKey } from 'node:crypto';

/** How much of a secret may be shown: `tokenPrefix` cuts tokens to 8 characters. */
export const ALLOWED_PREFIX = 8;
/** The shortest leak the scan reports: one character (or byte) past the allowed prefix. */
export const NEEDLE_LENGTH = ALLOWED_PREFIX + 1;

/** Text that marks a PEM private key of any kind (PKCS#8, SEC1 `EC PRIVATE KEY`, encrypted, RSA). */
export const PRIVATE_KEY_MARKER = 'PRIVATE KEY';

/** One encoding of a secret and what is searched for. */
export interface SecretForm {
  /** e.g. `token`, `scalar hex`, `pkcs8 pem`. */
  encoding: string;
  /** The text searched for: the first 9 characters, or the whole form when it opens with public structure. */
  needle: string;
  /** The text searched for in byte haystacks, where it differs from `needle` (see the module comment). */
  bytesNeedle?: string;
}

export interface Secret {
  label: string;
  forms: SecretForm[];
  /** Raw secrets searched for in byte haystacks: the first 9 bytes, or the whole DER of a key. */
  raw: { encoding: string; needle: Buffer }[];
}

/** A place that was read: a table cell, a log entry, a file. */
export interface Haystack {
  where: string;
  /** The value as text: a cell, a log entry; empty for a file, which is read as bytes only. */
  text: string;
  /** The raw bytes when the value was binary (a blob, a file). */
  bytes?: Uint8Array;
}

export interface Leak {
  secret: string;
  encoding: string;
  where: string;
}

function prefixForm(encoding: string, text: string): SecretForm {
  if (text.length < NEEDLE_LENGTH) throw new Error(`${encoding} is too short to be a secret form`);
  return { encoding, needle: text.slice(0, NEEDLE_LENGTH) };
}

function byteForms(name: string, bytes: Uint8Array): SecretForm[] {
  const buffer = Buffer.from(bytes);
  const hex = buffer.toString('hex');
  return [
    prefixForm(`${name} base64`, buffer.toString('base64')),
    prefixForm(`${name} base64url`, buffer.toString('base64url')),
    prefixForm(`${name} hex`, hex),
    prefixForm(`${name} HEX`, hex.toUpperCase()),
  ];
}

function rawNeedle(encoding: string, bytes: Uint8Array) {
  return { encoding, needle: Buffer.from(bytes.subarray(0, NEEDLE_LENGTH)) };
}

/** Collects secrets as a run produces them. */
export class SecretBook {
  readonly #secrets: Secret[] = [];
  readonly #scalars = new Set<string>();

  list(): readonly Secret[] {
    return this.#secrets;
  }

  labels(): string[] {
    return this.#secrets.map((s) => s.label);
  }

  /**
   * A bearer token (`fte_…`, `ftp_…`): the token, its random body without the marker, and the
   * body's bytes in every encoding.
   */
  addToken(label: string, token: string): void {
    const marker = /^[a-z]+_/.exec(token)?.[0] ?? '';
    const body = token.slice(marker.length);
    const bytes = Buffer.from(body, 'base64url');
    this.#secrets.push({
      label,
      forms: [
        { ...prefixForm('token', token), bytesNeedle: token.slice(0, 2 * ALLOWED_PREFIX) },
        prefixForm('token body', body),
        ...byteForms('token bytes', bytes),
      ],
      raw: [rawNeedle('token bytes', bytes)],
    });
  }

  /** A private key as PKCS#8 PEM. */
  addPrivateKeyPem(label: string, pem: string): void {
    this.#addPrivateKey(label, createPrivateKey({ key: pem, format: 'pem' }), pem);
  }

  /** A private key as PKCS#8 DER (how ca-local keeps its keys inside a sealed record). */
  addPrivateKeyDer(label: string, der: Uint8Array): void {
    const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
    this.#addPrivateKey(label, key, key.export({ format: 'pem', type: 'pkcs8' }).toString());
  }

  /** A seal key: 32 raw bytes. */
  addSealKey(label: string, key: Uint8Array): void {
    this.#secrets.push({
      label,
      forms: byteForms('key', key),
      raw: [rawNeedle('key bytes', key)],
    });
  }

  #addPrivateKey(label: string, key: ReturnType<typeof createPrivateKey>, pem: string): void {
    const der = key.export({ format: 'der', type: 'pkcs8' });
    const jwk = key.export({ format: 'jwk' });
    if (typeof jwk.d !== 'string') throw new Error(`${label}: not a private key`);
    // The same key seen twice (made, then read back from its envelope) is searched for once.
    if (this.#scalars.has(jwk.d)) return;
    this.#scalars.add(jwk.d);
    const scalar = Buffer.from(jwk.d, 'base64url');
    this.#secrets.push({
      label,
      forms: [
        { encoding: 'pkcs8 pem', needle: pem.trim() },
        { encoding: 'pkcs8 der base64', needle: der.toString('base64') },
        { encoding: 'pkcs8 der hex', needle: der.toString('hex') },
        ...byteForms('scalar', scalar),
      ],
      raw: [rawNeedle('scalar bytes', scalar), { encoding: 'pkcs8 der bytes', needle: Buffer.from(der) }],
    });
  }
}

/** A view of the same memory: files are megabytes and are searched many times. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Every secret form found in any haystack, once per secret, encoding and place. */
export function findLeaks(secrets: readonly Secret[], haystacks: Iterable<Haystack>): Leak[] {
  const leaks: Leak[] = [];
  for (const hay of haystacks) {
    const bytes = hay.bytes === undefined ? undefined : asBuffer(hay.bytes);
    for (const secret of secrets) {
      for (const form of secret.forms) {
        const inText = hay.text.includes(form.needle);
        const inBytes = bytes?.includes(form.bytesNeedle ?? form.needle, 0, 'utf8');
        if (inText || inBytes) {
          leaks.push({ secret: secret.label, encoding: form.encoding, where: hay.where });
        }
      }
      if (bytes === undefined) continue;
      for (const raw of secret.raw) {
        if (bytes.includes(raw.needle)) {
          leaks.push({ secret: secret.label, encoding: raw.encoding, where: hay.where });
        }
      }
    }
  }
  return leaks;
}

/** Places holding a PEM private-key marker, in their text or their bytes. */
export function privateKeyMarkers(haystacks: Iterable<Haystack>): string[] {
  const found: string[] = [];
  for (const hay of haystacks) {
    const inBytes = hay.bytes !== undefined && asBuffer(hay.bytes).includes(PRIVATE_KEY_MARKER, 0, 'latin1');
    if (hay.text.includes(PRIVATE_KEY_MARKER) || inBytes) found.push(hay.where);
  }
  return found;
}
