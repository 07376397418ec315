/**
 * The sealed envelope text format: `ftseal.v1.<keyId>.<iv b64url>.<ciphertext+tag b64url>`.
 *
 * @module @fedtrust/core/seal
 */
import { Buffer } from 'node:buffer';
import { SealError } from './errors.js';

/** Prefix and version of every envelope this module writes. */
export const ENVELOPE_PREFIX = 'ftseal.v1';

/** Key ids are short and dot-free, so they can sit in the envelope and in an operator's key list. */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The parts of an envelope. */
export interface EnvelopeParts {
  keyId: string;
  iv: Uint8Array;
  /** Ciphertext followed by the 16-byte GCM tag, as WebCrypto produces it. */
  sealed: Uint8Array;
}

/** True when `keyId` may name a seal key. */
export function isValidKeyId(keyId: string): boolean {
  return KEY_ID.test(keyId);
}

export function formatEnvelope(parts: EnvelopeParts): string {
  return `${ENVELOPE_PREFIX}.${parts.keyId}.${b64url(parts.iv)}.${b64url(parts.sealed)}`;
}

/** Splits an envelope; anything that is not a well-formed v1 envelope is `seal_open_failed`. */
export function parseEnvelope(envelope: string): EnvelopeParts {
  const fields = typeof envelope === 'string' ? envelope.split('.') : [];
  const [magic, version, keyId, iv, sealed] = fields;
  if (
    fields.length !== 5 ||
    `${magic}.${version}` !== ENVELOPE_PREFIX ||
    keyId === undefined ||
    !isValidKeyId(keyId) ||
    iv === undefined ||
    sealed === undefined
  ) {
    throw new SealError('seal_open_failed', 'The value is not a fedtrust v1 sealed envelope.');
  }
  const ivBytes = fromB64url(iv);
  const sealedBytes = fromB64url(sealed);
  if (
    ivBytes === null ||
    ivBytes.length !== IV_BYTES ||
    sealedBytes === null ||
    sealedBytes.length < TAG_BYTES
  ) {
    throw new SealError('seal_open_failed', 'The sealed envelope is truncated or malformed.', {
      details: { keyId },
    });
  }
  return { keyId, iv: ivBytes, sealed: sealedBytes };
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Strict decode: Node's decoder skips foreign characters, which would hide tampering with the text. */
function fromB64url(text: string): Uint8Array | null {
  if (!B64URL.test(text)) return null;
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  return b64url(bytes) === text ? bytes : null;
}
