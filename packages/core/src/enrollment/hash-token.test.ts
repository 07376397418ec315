import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashToken } from './hash-token.js';

describe('hashToken', () => {
  it('is the SHA-256 hex digest of the token as UTF-8', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashToken('é')).toBe(createHash('sha256').update(Buffer.from('é', 'utf8')).digest('hex'));
    expect(hashToken('ft_\ud800x')).toBe(createHash('sha256').update('ft_\ud800x', 'utf8').digest('hex'));
  });

  it('gives the digest stored by earlier releases (createHash) for any string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (token) => {
        expect(hashToken(token)).toBe(createHash('sha256').update(token, 'utf8').digest('hex'));
      }),
      { numRuns: 2000 },
    );
  });
});
