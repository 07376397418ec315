import { describe, expect, it } from 'vitest';
import { systemRandom } from '../system/index.js';
import { createSealer } from './create-sealer.js';
import { formatSealKey, generateSealKey } from './generate-seal-key.js';
import { parseSealKeys } from './parse-seal-keys.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'returned';
}

describe('parseSealKeys', () => {
  it('reads a rotated list; the first entry is current', () => {
    const a = generateSealKey(systemRandom);
    const b = generateSealKey(systemRandom);
    const ring = parseSealKeys(` ${formatSealKey('k2026', a)},\n${formatSealKey('k2025', b)} `);
    expect(ring.currentKeyId).toBe('k2026');
    expect(ring.keys).toEqual({ k2026: a, k2025: b });
  });

  it('accepts URL-safe base64 without padding', () => {
    const key = generateSealKey(systemRandom);
    const ring = parseSealKeys(`k1:${Buffer.from(key).toString('base64url')}`);
    expect(ring.keys['k1']).toEqual(key);
  });

  it('rejects empty lists, missing ids, duplicates and keys that are not 32 bytes, never echoing key material', () => {
    const key = formatSealKey('k1', generateSealKey(systemRandom));
    const material = key.slice(3);
    const short = `k1:${Buffer.alloc(16, 7).toString('base64')}`;
    for (const text of ['', ' , ', material, `${key},${key}`, short, 'k1:not base64!', 'bad.id:AAAA']) {
      expect(codeOf(() => parseSealKeys(text))).toBe('seal_key_invalid');
      try {
        parseSealKeys(text);
      } catch (error) {
        expect(JSON.stringify(error) + String(error)).not.toContain(material);
      }
    }
  });

  it('a key id that names an Object.prototype member (__proto__) is kept as a key, never dropped or merged', () => {
    const current = generateSealKey(systemRandom);
    const retired = generateSealKey(systemRandom);
    const ring = parseSealKeys(`${formatSealKey('k1', current)},${formatSealKey('__proto__', retired)}`);
    expect(Object.keys(ring.keys).sort()).toEqual(['__proto__', 'k1']);
    expect(Object.getOwnPropertyDescriptor(ring.keys, '__proto__')?.value).toEqual(retired);
    const first = parseSealKeys(`${formatSealKey('__proto__', current)},${formatSealKey('k1', retired)}`);
    expect(first.currentKeyId).toBe('__proto__');
    expect(createSealer({ ...first, random: systemRandom }).currentKeyId).toBe('__proto__');
    const twice = `${formatSealKey('__proto__', current)},${formatSealKey('__proto__', retired)}`;
    expect(codeOf(() => parseSealKeys(twice))).toBe('seal_key_invalid');
  });

  it('an entry written the wrong way round (key before id) never echoes the key in the error', () => {
    const material = Buffer.from(generateSealKey(systemRandom)).toString('base64url');
    for (const text of [`${material}:k1`, `k1:${Buffer.alloc(32).toString('base64')}, ${material}:k2`]) {
      let error: unknown;
      try {
        parseSealKeys(text);
      } catch (e) {
        error = e;
      }
      expect((error as { code?: string }).code).toBe('seal_key_invalid');
      const shown =
        JSON.stringify(error) + String(error) + JSON.stringify((error as { details?: unknown }).details);
      expect(shown).not.toContain(material.slice(0, 12));
    }
  });

  it('generateSealKey returns 32 fresh bytes', () => {
    const a = generateSealKey(systemRandom);
    expect(a).toHaveLength(32);
    expect(a).not.toEqual(generateSealKey(systemRandom));
  });
});
