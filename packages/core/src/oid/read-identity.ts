/**
 * Reading the identity extensions from a leaf certificate's DER.
 *
 * @module @fedtrust/core/oid
 */
import { CertificateWalk } from './certificate-walk.js';
import { IdentityError } from './identity-error.js';
import { identityOids } from './identity-oids.js';
import type { Identity } from './types.js';
import { canonicalUuidAt } from './uuid.js';

const UTF8_STRING = 0x0c;
const UUID_LENGTH = 36;

/**
 * The grant id and subject user id a leaf certificate carries under `arc`.
 *
 * Walks the DER directly (no certificate object) and does not check the signature: call it
 * on a certificate TLS already verified. Throws {@link IdentityError}:
 * `identity_malformed` for broken certificate DER or a value that is not a DER UTF8String
 * of exactly one canonical lower-case UUID; `identity_duplicate` when either extension
 * appears twice; `identity_missing` when either is absent. Never throws anything else for
 * any bytes; throws `IdentityArcError` only for an invalid `arc`.
 */
export function readIdentity(leafDer: Uint8Array, arc?: string): Identity {
  const oids = identityOids(arc);
  if (!(leafDer instanceof Uint8Array)) {
    throw new IdentityError('identity_malformed', 'The leaf certificate must be DER bytes.');
  }
  return identityOf(new CertificateWalk(leafDer, oids).run(), leafDer);
}

/** Decide the identity from a finished walk; shared with `identifyConnection`. */
export function identityOf(walk: CertificateWalk, der: Uint8Array): Identity {
  if (walk.grantCount > 1 || walk.subjectCount > 1) {
    throw new IdentityError(
      'identity_duplicate',
      'The certificate carries an identity extension more than once.',
    );
  }
  if (walk.grantCount === 0 || walk.subjectCount === 0) {
    const which = walk.grantCount === 0 ? 'grant id' : 'subject user id';
    throw new IdentityError('identity_missing', `The certificate carries no ${which} extension.`);
  }
  return {
    grantId: uuidValue(der, walk.grantStart, walk.grantEnd, 'grant id'),
    subjectUserId: uuidValue(der, walk.subjectStart, walk.subjectEnd, 'subject user id'),
  };
}

/** The extnValue contents must be exactly `0x0c 0x24` followed by 36 canonical UUID bytes. */
function uuidValue(der: Uint8Array, start: number, end: number, which: string): string {
  if (end - start !== UUID_LENGTH + 2 || der[start] !== UTF8_STRING || der[start + 1] !== UUID_LENGTH) {
    throw new IdentityError(
      'identity_malformed',
      `The ${which} extension is not a DER UTF8String of ${UUID_LENGTH} characters.`,
    );
  }
  const uuid = canonicalUuidAt(der, start + 2);
  if (uuid === null) {
    throw new IdentityError(
      'identity_malformed',
      `The ${which} extension is not a canonical lower-case UUID.`,
    );
  }
  return uuid;
}
