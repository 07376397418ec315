/**
 * `@fedtrust/core` oid: the grant id and subject user id carried as X.509 extensions —
 * encoding for CA templates, decoding from a verified leaf certificate.
 *
 * @module @fedtrust/core/oid
 */
export * from './encode-identity.js';
export * from './identify-connection.js';
export * from './identity-error.js';
export * from './identity-oids.js';
export { readIdentity } from './read-identity.js';
export { normalizeSerialHex, serialHex } from './serial-hex.js';
export * from './types.js';
