/**
 * Canonical lower-case UUID checks used by the identity codec.
 *
 * @module @fedtrust/core/oid
 */
/** True when bytes `[start, start + 36)` spell a canonical lower-case UUID (8-4-4-4-12 hex digits). */
export function isCanonicalUuidBytes(bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < 36; i++) {
    const c = bytes[start + i];
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
    } else if (c === undefined || !((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) {
      return false;
    }
  }
  return true;
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a canonical lower-case UUID string. */
export function isCanonicalUuid(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL_UUID.test(value);
}
