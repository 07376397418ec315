import { describe, expect, it } from 'vitest';
import { FedtrustError } from '../errors/fedtrust-error.js';
import { encodeIdentity } from './encode-identity.js';
import { IdentityArcError } from './identity-error.js';

const identity = {
  grantId: '0b7e6c2a-4f1d-4c3e-9a55-2d8f7e1c9b40',
  subjectUserId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
};

describe('encodeIdentity', () => {
  it('gives each value as a DER UTF8String of the UUID, with its OID and base64', () => {
    const encoded = encodeIdentity(identity);
    expect(encoded.grantId.oid).toBe('1.3.6.1.4.1.32473.1.1');
    expect(encoded.subjectUserId.oid).toBe('1.3.6.1.4.1.32473.1.2');
    expect(Array.from(encoded.grantId.der.subarray(0, 2))).toEqual([0x0c, 36]);
    expect(Buffer.from(encoded.grantId.der.subarray(2)).toString('latin1')).toBe(identity.grantId);
    expect(Buffer.from(encoded.subjectUserId.base64, 'base64')).toEqual(
      Buffer.from(encoded.subjectUserId.der),
    );
  });

  it('uses the configured arc', () => {
    expect(encodeIdentity(identity, '1.3.6.1.4.1.55555').grantId.oid).toBe('1.3.6.1.4.1.55555.1.1');
  });

  it.each([
    ['an upper-case UUID', { ...identity, grantId: identity.grantId.toUpperCase() }],
    ['a 35-character value', { ...identity, subjectUserId: identity.subjectUserId.slice(1) }],
    ['a UUID without dashes', { ...identity, grantId: identity.grantId.replaceAll('-', '') }],
  ])('refuses %s with identity_value_invalid, so no CA issues an unreadable certificate', (_name, value) => {
    try {
      encodeIdentity(value);
      throw new Error('expected encodeIdentity to throw');
    } catch (error) {
      expect(error).toBeInstanceOf(FedtrustError);
      expect((error as FedtrustError).code).toBe('identity_value_invalid');
      expect((error as FedtrustError).status).toBe(400);
    }
  });

  it('refuses an invalid arc with IdentityArcError', () => {
    expect(() => encodeIdentity(identity, 'not-an-oid')).toThrow(IdentityArcError);
  });
});
