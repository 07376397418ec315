import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Random } from '../ports/runtime.js';
import { systemRandom } from '../system/index.js';
import { createSealer } from './create-sealer.js';
import { generateSealKey } from './generate-seal-key.js';

const k1 = generateSealKey(systemRandom);
const k2 = generateSealKey(systemRandom);
const secret = new TextEncoder().encode('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n');

function sealerWith(keys: Record<string, Uint8Array>, currentKeyId: string, random: Random = systemRandom) {
  return createSealer({ keys, currentKeyId, random });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'resolved';
}

describe('createSealer', () => {
  it('opens what it sealed, under the same context', async () => {
    const sealer = sealerWith({ k1 }, 'k1');
    const envelope = await sealer.seal(secret, 'client-key:peer-1');
    expect(envelope).toMatch(/^ftseal\.v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealer.keyIdOf(envelope)).toBe('k1');
    expect(await sealer.open(envelope, 'client-key:peer-1')).toEqual(secret);
  });

  it('refuses to open under another context (seal_open_failed)', async () => {
    const sealer = sealerWith({ k1 }, 'k1');
    const envelope = await sealer.seal(secret, 'client-key:peer-1');
    expect(await codeOf(sealer.open(envelope, 'client-key:peer-2'))).toBe('seal_open_failed');
  });

  it('refuses a tampered envelope, whichever part was changed', async () => {
    const sealer = sealerWith({ k1, k2 }, 'k1');
    const envelope = await sealer.seal(secret, 'ctx');
    const [magic, version, keyId, iv, body] = envelope.split('.') as [string, string, string, string, string];
    const flip = (text: string, at: number) => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[at] = (bytes[at] ?? 0) ^ 1;
      return bytes.toString('base64url');
    };
    const tampered = [
      [magic, version, keyId, flip(iv, 0), body],
      [magic, version, keyId, iv, flip(body, 0)],
      [magic, version, keyId, iv, flip(body, Buffer.from(body, 'base64url').length - 1)],
      [magic, version, 'k2', iv, body],
      [magic, version, keyId, iv, body.slice(0, 8)],
      [magic, 'v2', keyId, iv, body],
      [magic, version, keyId, `${iv}!`, body],
    ].map((parts) => parts.join('.'));
    for (const candidate of tampered) {
      expect(await codeOf(sealer.open(candidate, 'ctx'))).toBe('seal_open_failed');
    }
    expect(await codeOf(sealer.open('not an envelope', 'ctx'))).toBe('seal_open_failed');
  });

  it('refuses an envelope naming a key it does not hold (seal_key_unknown)', async () => {
    const envelope = await sealerWith({ k2 }, 'k2').seal(secret, 'ctx');
    expect(await codeOf(sealerWith({ k1 }, 'k1').open(envelope, 'ctx'))).toBe('seal_key_unknown');
  });

  it('refuses an envelope when the key under the same id is different material', async () => {
    const envelope = await sealerWith({ k1 }, 'k1').seal(secret, 'ctx');
    expect(await codeOf(sealerWith({ k1: k2 }, 'k1').open(envelope, 'ctx'))).toBe('seal_open_failed');
  });

  it('still opens envelopes of a retired key after rotation', async () => {
    const old = await sealerWith({ k1 }, 'k1').seal(secret, 'ctx');
    const rotated = sealerWith({ k2, k1 }, 'k2');
    expect(await rotated.open(old, 'ctx')).toEqual(secret);
    expect(rotated.keyIdOf(await rotated.seal(secret, 'ctx'))).toBe('k2');
  });

  it('rejects keys that are not 32 bytes, bad key ids and an absent current key', () => {
    const codeOfSync = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as { code: string }).code;
      }
      return 'returned';
    };
    expect(codeOfSync(() => sealerWith({ k1: k1.subarray(0, 31) }, 'k1'))).toBe('seal_key_invalid');
    expect(codeOfSync(() => sealerWith({ k1: new Uint8Array(64) }, 'k1'))).toBe('seal_key_invalid');
    expect(codeOfSync(() => sealerWith({ 'k.1': k1 }, 'k.1'))).toBe('seal_key_invalid');
    expect(codeOfSync(() => sealerWith({ k1 }, 'k9'))).toBe('seal_key_unknown');
  });

  it('refuses to seal when the random source returns a short IV', async () => {
    const short: Random = {
      bytes: () => new Uint8Array(4),
      uuid: () => '00000000-0000-4000-8000-000000000000',
    };
    expect(await codeOf(sealerWith({ k1 }, 'k1', short).seal(secret, 'ctx'))).toBe('seal_random_invalid');
  });

  it('never reuses an IV when the random source hands back one buffer it refills on every call', async () => {
    const shared = new Uint8Array(64);
    const refilling: Random = {
      bytes: (n) => globalThis.crypto.getRandomValues(shared.subarray(0, n)),
      uuid: () => globalThis.crypto.randomUUID(),
    };
    const sealer = sealerWith({ k1 }, 'k1', refilling);
    const plaintexts = Array.from({ length: 8 }, (_, i) => new TextEncoder().encode(`secret number ${i}`));
    const envelopes = await Promise.all(plaintexts.map((p) => sealer.seal(p, 'ctx')));
    const ivs = envelopes.map((e) => e.split('.')[3]);
    expect(new Set(ivs).size).toBe(envelopes.length);
    for (const [i, envelope] of envelopes.entries()) {
      expect(await sealer.open(envelope, 'ctx')).toEqual(plaintexts[i]);
    }
    const a = generateSealKey(refilling);
    const b = generateSealKey(refilling);
    expect(a).not.toEqual(b);
  });

  it('does not see later changes to the key buffer the caller passed in', async () => {
    const mine = Uint8Array.from(k1);
    const sealer = sealerWith({ k1: mine }, 'k1');
    const envelope = await sealer.seal(secret, 'ctx');
    mine.fill(0);
    expect(await sealer.open(envelope, 'ctx')).toEqual(secret);
  });

  it('property: an envelope never contains the plaintext, differs on every seal, and opens only under its own context', async () => {
    const sealer = sealerWith({ k1 }, 'k1');
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 6, maxLength: 256 }),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        async (plaintext, context, other) => {
          const a = await sealer.seal(plaintext, context);
          const b = await sealer.seal(plaintext, context);
          expect(a).not.toBe(b);
          for (const encoding of ['base64', 'base64url', 'hex', 'latin1'] as const) {
            expect(a).not.toContain(Buffer.from(plaintext).toString(encoding));
          }
          expect(await sealer.open(a, context)).toEqual(plaintext);
          if (other !== context) expect(await codeOf(sealer.open(a, other))).toBe('seal_open_failed');
        },
      ),
      { numRuns: 100 },
    );
  });
});
