/**
 * Canonical lower-case UUID checks used by the identity codec.
 *
 * @module @fedtrust/core/oid
 */

const HEX = 1;
const DASH = 2;
/** The class of each byte: HEX for a lower-case hex digit (`0-9`, `a-f`), DASH for `-`, 0 otherwise. */
const BYTE_CLASS = new Uint8Array(256);
for (const c of '0123456789abcdef') BYTE_CLASS[c.charCodeAt(0)] = HEX;
BYTE_CLASS[0x2d] = DASH;
const UUID_LENGTH = 36;
/** The class each position of a canonical UUID (8-4-4-4-12) must have. */
const UUID_SHAPE = Uint8Array.from({ length: UUID_LENGTH }, (_, i) =>
  i === 8 || i === 13 || i === 18 || i === 23 ? DASH : HEX,
);

/** True when bytes `[start, start + 36)` spell a canonical lower-case UUID (8-4-4-4-12 hex digits). */
export function isCanonicalUuidBytes(bytes: Uint8Array, start: number): boolean {
  if (start < 0 || start + UUID_LENGTH > bytes.length) return false;
  for (let i = 0; i < UUID_LENGTH; i++) {
    if (BYTE_CLASS[bytes[start + i]!] !== UUID_SHAPE[i]) return false;
  }
  return true;
}

/**
 * The canonical lower-case UUID spelled by bytes `[start, start + 36)`, or `null` when
 * they spell anything else (the same test as {@link isCanonicalUuidBytes}).
 */
export function canonicalUuidAt(bytes: Uint8Array, start: number): string | null {
  if (!isCanonicalUuidBytes(bytes, start)) return null;
  const b = bytes;
  const s = start;
  // Every byte is ASCII here, so char codes are the characters. One fromCharCode call with
  // the 36 bytes as arguments builds the string without a subarray, an array or cons
  // strings: about 3× faster than TextDecoder on the guard's hot path.
  // biome-ignore format: four rows of nine bytes read better than 36 lines
  return String.fromCharCode(
    b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!,
    b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!, b[s + 14]!, b[s + 15]!, b[s + 16]!, b[s + 17]!,
    b[s + 18]!, b[s + 19]!, b[s + 20]!, b[s + 21]!, b[s + 22]!, b[s + 23]!, b[s + 24]!, b[s + 25]!, b[s + 26]!,
    b[s + 27]!, b[s + 28]!, b[s + 29]!, b[s + 30]!, b[s + 31]!, b[s + 32]!, b[s + 33]!, b[s + 34]!, b[s + 35]!,
  );
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a canonical lower-case UUID string. */
export function isCanonicalUuid(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL_UUID.test(value);
}
