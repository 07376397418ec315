import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FedtrustError } from '../errors/fedtrust-error.js';
import { normalizeSerialHex, serialHex } from './serial-hex.js';

describe('serialHex', () => {
  it('strips the 0x00 sign byte DER adds before a high bit', () => {
    expect(serialHex(Uint8Array.of(0x00, 0x8f, 0x0a))).toBe('8f0a');
  });

  it('keeps inner and trailing zero bytes and writes lower case', () => {
    expect(serialHex(Uint8Array.of(0x7f, 0x00, 0xab, 0x00))).toBe('7f00ab00');
  });

  it('spells zero as 00', () => {
    expect(serialHex(Uint8Array.of(0x00))).toBe('00');
  });

  it('gives the same string for a serial with and without leading zero bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 3 }),
        (bytes, pad) => {
          const padded = new Uint8Array(pad + bytes.length);
          padded.set(bytes, pad);
          expect(serialHex(padded)).toBe(serialHex(bytes));
          expect(serialHex(padded)).toBe(
            normalizeSerialHex(Buffer.from(padded).toString('hex').toUpperCase()),
          );
        },
      ),
    );
  });
});

describe('normalizeSerialHex', () => {
  it('lower-cases, removes colons and leading zero bytes', () => {
    expect(normalizeSerialHex('00:8F:0A')).toBe('8f0a');
    expect(normalizeSerialHex('fff')).toBe('0fff');
  });

  it('refuses text that is not hex with serial_invalid', () => {
    expect(() => normalizeSerialHex('12zz')).toThrow(FedtrustError);
    expect(() => normalizeSerialHex('')).toThrow(/hexadecimal/);
  });
});
