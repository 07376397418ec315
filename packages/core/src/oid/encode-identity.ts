/**
 * Encoding the identity extensions for a CA's certificate template.
 *
 * @module @fedtrust/core/oid
 */
import { FedtrustError } from '../errors/fedtrust-error.js';
import { identityOids } from './identity-oids.js';
import type { Identity } from './types.js';
import { isCanonicalUuid } from './uuid.js';

/** One extension ready for a certificate template. */
export interface EncodedExtension {
  /** Dotted-decimal extension id. */
  oid: string;
  /** The extnValue contents: the DER UTF8String of the UUID (`0x0c 0x24` + 36 ASCII bytes). */
  der: Uint8Array;
  /** `der` in base64, as Step-CA templates and JSON APIs take it. */
  base64: string;
}

/**
 * The two identity extensions for `identity` under `arc`: grant id at `<arc>.1.1`,
 * subject user id at `<arc>.1.2`. Issue them non-critical: a critical extension a TLS
 * stack does not know makes it reject the certificate. Throws `identity_value_invalid`
 * (400) unless both values are canonical lower-case UUIDs, and `IdentityArcError` for an
 * invalid `arc`, so a CA never issues a certificate `readIdentity` would refuse.
 */
export function encodeIdentity(
  identity: Identity,
  arc?: string,
): { grantId: EncodedExtension; subjectUserId: EncodedExtension } {
  const oids = identityOids(arc);
  return {
    grantId: encodeValue(oids.grantId, identity.grantId, 'grantId'),
    subjectUserId: encodeValue(oids.subjectUserId, identity.subjectUserId, 'subjectUserId'),
  };
}

function encodeValue(oid: string, value: unknown, field: string): EncodedExtension {
  if (!isCanonicalUuid(value)) {
    throw new FedtrustError(
      'identity_value_invalid',
      `The identity ${field} is not a canonical lower-case UUID.`,
      {
        status: 400,
        remediation:
          'Pass grant and subject user ids as lower-case UUIDs such as 0b7e6c2a-4f1d-4c3e-9a55-2d8f7e1c9b40.',
        details: { field },
      },
    );
  }
  const der = new Uint8Array(2 + value.length);
  der[0] = 0x0c;
  der[1] = value.length;
  for (let i = 0; i < value.length; i++) der[2 + i] = value.charCodeAt(i);
  return { oid, der, base64: Buffer.from(der).toString('base64') };
}
