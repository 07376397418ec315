/**
 * What a TLS connection proves, decoded once per connection.
 *
 * @module @fedtrust/core/oid
 */
import type { ConnectionIdentity } from '../guard/types.js';
import { CertificateWalk } from './certificate-walk.js';
import { IdentityError } from './identity-error.js';
import { identityOids } from './identity-oids.js';
import { identityOf } from './read-identity.js';
import { serialHexAt } from './serial-hex.js';

/**
 * The identity and serial of a connection's verified leaf certificate, for the guard.
 * Never throws: no certificate gives `identity_missing`; an unreadable one gives the
 * `IdentityError` code as the reason (with the serial when it could be read); any other
 * failure, including an invalid `arc`, fails closed as `identity_malformed`. Validate the
 * arc at start-up with `identityOids(arc)` so a misconfiguration is not mistaken for bad
 * certificates.
 */
export function identifyConnection(leafDer: Uint8Array | null | undefined, arc?: string): ConnectionIdentity {
  if (leafDer === null || leafDer === undefined || leafDer.length === 0) {
    return { ok: false, reason: 'identity_missing', certSerial: null };
  }
  let walk: CertificateWalk | undefined;
  try {
    if (!(leafDer instanceof Uint8Array))
      return { ok: false, reason: 'identity_malformed', certSerial: null };
    walk = new CertificateWalk(leafDer, identityOids(arc));
    walk.run();
    const identity = identityOf(walk, leafDer);
    return { ok: true, identity, certSerial: serialOf(walk, leafDer) ?? '' };
  } catch (error) {
    const reason = error instanceof IdentityError ? error.code : 'identity_malformed';
    return { ok: false, reason, certSerial: walk === undefined ? null : serialOf(walk, leafDer) };
  }
}

function serialOf(walk: CertificateWalk, der: Uint8Array): string | null {
  return walk.serialEnd > walk.serialStart ? serialHexAt(der, walk.serialStart, walk.serialEnd) : null;
}
