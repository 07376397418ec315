/**
 * Sealing secrets at rest: AES-256-GCM envelopes that name their key id, key rings,
 * operator key lists and key rotation.
 *
 * @module @fedtrust/core/seal
 */
export * from './create-sealer.js';
export { ENVELOPE_PREFIX, isValidKeyId } from './envelope.js';
export * from './errors.js';
export * from './generate-seal-key.js';
export * from './parse-seal-keys.js';
export * from './reseal-all.js';
export * from './sealed-record.js';
