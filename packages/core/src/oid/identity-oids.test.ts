import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdentityArcError } from './identity-error.js';
import { identityOids } from './identity-oids.js';
import { DEFAULT_IDENTITY_ARC } from './types.js';

/** asn1js's encoding of an OID's content bytes, as an independent reference. */
function referenceBytes(oid: string): Uint8Array {
  const der = new Uint8Array(new asn1js.ObjectIdentifier({ value: oid }).toBER());
  return der.subarray(2);
}

describe('identityOids', () => {
  it('puts the grant id at <arc>.1.1 and the subject user id at <arc>.1.2 under the RFC 5612 arc by default', () => {
    const oids = identityOids();
    expect(oids.arc).toBe(DEFAULT_IDENTITY_ARC);
    expect(oids.grantId).toBe('1.3.6.1.4.1.32473.1.1');
    expect(oids.subjectUserId).toBe('1.3.6.1.4.1.32473.1.2');
    expect(Buffer.from(oids.grantIdBytes).toString('hex')).toBe('2b0601040181fd590101');
    expect(Buffer.from(oids.subjectUserIdBytes).toString('hex')).toBe('2b0601040181fd590102');
  });

  it('encodes the same bytes as asn1js for any valid arc', () => {
    const arc = fc
      .tuple(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxLength: 8 }),
      )
      .map(([a, b, rest]) => [a, b, ...rest].join('.'));
    fc.assert(
      fc.property(arc, (value) => {
        const oids = identityOids(value);
        expect(oids.grantIdBytes).toEqual(referenceBytes(`${value}.1.1`));
        expect(oids.subjectUserIdBytes).toEqual(referenceBytes(`${value}.1.2`));
      }),
      { numRuns: 300 },
    );
  });

  it('returns the cached encoding for an arc it has seen', () => {
    expect(identityOids('1.3.6.1.4.1.99999')).toBe(identityOids('1.3.6.1.4.1.99999'));
  });

  it.each([
    ['empty', ''],
    ['a single arc', '1'],
    ['a trailing dot', '1.3.6.'],
    ['a leading zero', '1.03.6'],
    ['a non-digit', '1.3.x'],
    ['a first arc above 2', '3.1'],
    ['a second arc above 39 under 1', '1.40'],
    ['an arc above 2^53 - 1', '1.3.9007199254740993'],
  ])('refuses %s with identity_arc_invalid', (_name, arc) => {
    expect(() => identityOids(arc)).toThrow(IdentityArcError);
    try {
      identityOids(arc);
    } catch (error) {
      expect((error as IdentityArcError).code).toBe('identity_arc_invalid');
      expect((error as IdentityArcError).status).toBe(500);
    }
  });

  it('allows a second arc above 39 under the first arc 2', () => {
    expect(Buffer.from(identityOids('2.999').grantIdBytes).toString('hex')).toBe('883701' + '01');
  });
});
