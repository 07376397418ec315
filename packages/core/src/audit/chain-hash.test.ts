import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditEventArbitrary } from './audit-event.arbitrary.js';
import { AuditEventError, parseAuditEvent } from './audit-event-schema.js';
import { canonicalEvent, chainHash, linkHash } from './chain-hash.js';
import { type AuditEvent, GENESIS_HASH } from './types.js';

const valid: AuditEvent = {
  time: '2025-03-01T12:00:00.000Z',
  grantId: 'g-1',
  subject: 'user-7',
  certSerial: '3f09',
  verb: 'get',
  resource: 'notes',
  outcome: 'allow',
  reason: null,
  rowsOut: 1,
  bytesOut: 10,
};

/** Events whose text fields range over all of Unicode (NFC and NFD forms, astral planes). */
const unicodeEvent = fc
  .tuple(
    auditEventArbitrary,
    fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), { nil: null }),
    fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), { nil: null }),
  )
  .map(([event, subject, resource]) => ({ ...event, subject, resource }));

describe('canonicalEvent / chainHash', () => {
  it.each<[string, unknown]>([
    ['an empty subject', { ...valid, subject: '' }],
    ['an extra key', { ...valid, token: 'ftp_secret' }],
    ['a verb longer than 64 characters', { ...valid, verb: 'v'.repeat(65) }],
    ['a grant id longer than 512 characters', { ...valid, grantId: 'g'.repeat(513) }],
    ['a missing reason', (({ reason: _omit, ...rest }) => rest)(valid)],
    ['a lone surrogate', { ...valid, subject: '\uD800' }],
  ])(
    'refuse %s with AuditEventError, so no store can hash it into a chain verifyChain would then refuse',
    (_label, input) => {
      expect(() => canonicalEvent(input as AuditEvent)).toThrow(AuditEventError);
      expect(() => chainHash(GENESIS_HASH, input as AuditEvent)).toThrow(AuditEventError);
    },
  );

  it('name the offending field, never its value, so a secret in a bad event does not reach logs', () => {
    let message = '';
    try {
      canonicalEvent({
        ...valid,
        token: 'ftp_s3cr3tvalue',
        verb: 'ftp_other_secret'.repeat(5),
      } as AuditEvent);
    } catch (error) {
      const { message: text, issues } = error as AuditEventError;
      message = JSON.stringify({ text, issues });
    }
    expect(message).toContain('token');
    expect(message).not.toContain('s3cr3t');
    expect(message).not.toContain('other_secret');
  });

  it('hash the event, not its key order', () => {
    const reordered = Object.fromEntries(Object.entries(valid).reverse()) as unknown as AuditEvent;
    expect(chainHash(GENESIS_HASH, reordered)).toBe(chainHash(GENESIS_HASH, valid));
  });

  it("hash the validated fields only: a toJSON on the event's class cannot change what is hashed", () => {
    class Disguised {
      toJSON() {
        return { ...valid, rowsOut: 999 };
      }
    }
    const disguised = Object.assign(new Disguised(), valid) as unknown as AuditEvent;
    expect(chainHash(GENESIS_HASH, disguised)).toBe(chainHash(GENESIS_HASH, valid));
    const inherited = Object.assign(Object.create({ toJSON: () => valid }), { ...valid, rowsOut: 999 });
    expect(() => chainHash(GENESIS_HASH, inherited)).toThrow(AuditEventError);
  });

  it('property: canonicalisation is injective — two events with the same canonical bytes are the same event', () => {
    fc.assert(
      fc.property(unicodeEvent, unicodeEvent, (a, b) => {
        const same = canonicalEvent(a) === canonicalEvent(b);
        expect(same).toBe(
          JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort()),
        );
        if (!same) expect(chainHash(GENESIS_HASH, a)).not.toBe(chainHash(GENESIS_HASH, b));
      }),
      { numRuns: 500 },
    );
  });

  it('property: canonicalEvent writes exactly what the RFC 8785 library writes for the validated event', () => {
    const extremes = fc.record({
      rowsOut: fc.constantFrom(0, -0, 1, 2 ** 31, Number.MAX_SAFE_INTEGER),
      verb: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
    });
    fc.assert(
      fc.property(unicodeEvent, fc.option(extremes, { nil: undefined }), (event, extreme) => {
        const input = extreme === undefined ? event : { ...event, ...extreme };
        let expected: string | undefined;
        try {
          expected = canonicalize(parseAuditEvent(input));
        } catch {
          expect(() => canonicalEvent(input)).toThrow(AuditEventError);
          return;
        }
        expect(canonicalEvent(input)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: linkHash of the canonical text is the chainHash of the event, so a store may canonicalise once', () => {
    fc.assert(
      fc.property(unicodeEvent, fc.stringMatching(/^[0-9a-f]{64}$/), (event, prev) => {
        expect(linkHash(prev, canonicalEvent(event))).toBe(chainHash(prev, event));
      }),
      { numRuns: 300 },
    );
  });

  it('property: an NFC and an NFD spelling of the same text are different events with different hashes', () => {
    fc.assert(
      fc.property(fc.constantFrom('é', 'Å', 'ñ', 'ệ', '한'), (text) => {
        const nfc = { ...valid, subject: text.normalize('NFC') };
        const nfd = { ...valid, subject: text.normalize('NFD') };
        expect(nfc.subject).not.toBe(nfd.subject);
        expect(chainHash(GENESIS_HASH, nfc)).not.toBe(chainHash(GENESIS_HASH, nfd));
      }),
    );
  });
});
