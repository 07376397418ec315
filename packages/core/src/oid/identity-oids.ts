/**
 * The two extension OIDs under an identity arc, with their DER encodings precomputed.
 *
 * @module @fedtrust/core/oid
 */
import { IdentityArcError } from './identity-error.js';
import { DEFAULT_IDENTITY_ARC } from './types.js';

/** The extension OIDs of one arc: grant id at `<arc>.1.1`, subject user id at `<arc>.1.2`. */
export interface IdentityOids {
  readonly arc: string;
  readonly grantId: string;
  readonly subjectUserId: string;
  /** Content bytes of the grant id OID (what follows tag 0x06 and the length). */
  readonly grantIdBytes: Uint8Array;
  readonly subjectUserIdBytes: Uint8Array;
}

const DOTTED_DECIMAL = /^(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))+$/;
/** A host configures one arc, maybe a second during a migration; the bound only stops unbounded growth. */
const CACHE_LIMIT = 16;
const cache = new Map<string, IdentityOids>();

/**
 * The identity OIDs of `arc`, validated and encoded once, then served from a small cache
 * (the hot path compares bytes, never strings). Throws {@link IdentityArcError} when `arc`
 * is not a dotted-decimal OID (first arc 0–2, second 0–39 under 0 and 1, no leading zeros,
 * every arc a safe integer). Call it at start-up to fail fast on a bad configuration.
 */
export function identityOids(arc: string = DEFAULT_IDENTITY_ARC): IdentityOids {
  const cached = cache.get(arc);
  if (cached !== undefined) return cached;
  const grantId = `${arc}.1.1`;
  const subjectUserId = `${arc}.1.2`;
  const oids: IdentityOids = Object.freeze({
    arc,
    grantId,
    subjectUserId,
    grantIdBytes: encodeOid(grantId, arc),
    subjectUserIdBytes: encodeOid(subjectUserId, arc),
  });
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(arc, oids);
  return oids;
}

/** DER content bytes of a dotted-decimal OID (X.690 §8.19). `arc` names the configured value in errors. */
function encodeOid(dotted: string, arc: unknown): Uint8Array {
  if (typeof arc !== 'string' || !DOTTED_DECIMAL.test(arc)) {
    throw new IdentityArcError(arc, 'expected dotted decimal with at least two arcs, without leading zeros');
  }
  const arcs = dotted.split('.').map(Number);
  for (const value of arcs) {
    if (!Number.isSafeInteger(value)) throw new IdentityArcError(arc, 'an arc is larger than 2^53 - 1');
  }
  const [first = 0, second = 0, ...rest] = arcs;
  if (first > 2) throw new IdentityArcError(arc, 'the first arc must be 0, 1 or 2');
  if (first < 2 && second > 39)
    throw new IdentityArcError(arc, 'the second arc must be at most 39 under 0 and 1');
  const head = first * 40 + second;
  if (!Number.isSafeInteger(head)) throw new IdentityArcError(arc, 'the second arc is too large');
  const bytes: number[] = [];
  for (const value of [head, ...rest]) {
    const groups: number[] = [];
    let remaining = value;
    do {
      groups.unshift(remaining % 128);
      remaining = Math.floor(remaining / 128);
    } while (remaining > 0);
    for (let i = 0; i < groups.length; i++)
      bytes.push(i < groups.length - 1 ? groups[i]! | 0x80 : groups[i]!);
  }
  return Uint8Array.from(bytes);
}
