/**
 * Parsing the operator-facing seal key list.
 *
 * @module @fedtrust/core/seal
 */
import { Buffer } from 'node:buffer';
import { SEAL_KEY_BYTES } from './create-sealer.js';
import { isValidKeyId } from './envelope.js';
import { SealError } from './errors.js';

/** A key ring ready to spread into `createSealer({ ...ring, random })`. */
export interface SealKeyRing {
  keys: Record<string, Uint8Array>;
  /** The first key of the list: operators rotate by putting a new key in front. */
  currentKeyId: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Reads `kid:base64` entries separated by commas, spaces or newlines (standard or URL-safe
 * base64, each decoding to exactly 32 bytes). The first entry is the current key. Throws
 * `seal_key_invalid` for an empty list, a malformed entry or a duplicate key id; messages
 * name the entry's position and key id, never its key material.
 *
 * @example
 * parseSealKeys('k2026:q83v…=, k2025:Zm9v…=') // → { currentKeyId: 'k2026', keys: { k2026, k2025 } }
 */
export function parseSealKeys(text: string): SealKeyRing {
  const entries = String(text)
    .split(/[\s,]+/)
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw new SealError('seal_key_invalid', 'The seal key list is empty.');
  }
  // A Map, not an object literal: assigning `keys['__proto__']` would set the prototype
  // and silently drop that key (and its duplicate check) instead of storing it.
  const keys = new Map<string, Uint8Array>();
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const keyId = colon < 0 ? '' : entry.slice(0, colon);
    const encoded = colon < 0 ? '' : entry.slice(colon + 1);
    const position = { entry: index + 1 };
    if (!isValidKeyId(keyId)) {
      throw new SealError(
        'seal_key_invalid',
        `Seal key entry ${index + 1} does not start with a key id and a colon.`,
        {
          details: position,
        },
      );
    }
    const named = nameOf(index, keyId);
    if (keys.has(keyId)) {
      throw new SealError('seal_key_invalid', `${named.text} repeats a key id.`, { details: named.details });
    }
    const key = decode(encoded);
    if (key === null || key.length !== SEAL_KEY_BYTES) {
      throw new SealError('seal_key_invalid', `${named.text} is not base64 of ${SEAL_KEY_BYTES} bytes.`, {
        details: named.details,
      });
    }
    keys.set(keyId, key);
  });
  const currentKeyId = entries[0]?.slice(0, entries[0].indexOf(':')) ?? '';
  return { keys: Object.fromEntries(keys), currentKeyId };
}

/**
 * How an error names an entry. A long "key id" is most likely key material written before
 * the colon (`<key>:<kid>`): base64url of 32 bytes is itself a valid 43-character id, so
 * only short ids are echoed.
 */
function nameOf(index: number, keyId: string): { text: string; details: Record<string, unknown> } {
  const entry = index + 1;
  return keyId.length <= 24
    ? { text: `Seal key entry ${entry} ("${keyId}")`, details: { entry, keyId } }
    : { text: `Seal key entry ${entry}`, details: { entry } };
}

function decode(encoded: string): Uint8Array | null {
  if (BASE64.test(encoded)) return new Uint8Array(Buffer.from(encoded, 'base64'));
  if (BASE64URL.test(encoded)) return new Uint8Array(Buffer.from(encoded, 'base64url'));
  return null;
}
