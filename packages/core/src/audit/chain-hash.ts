/**
 * The hash that links one audit record to the previous one.
 *
 * @module @fedtrust/core/audit
 */
import { hash } from 'node:crypto';
import { parseAuditEvent } from './audit-event-schema.js';
import type { AuditEvent } from './types.js';

/**
 * RFC 8785 canonical JSON of an event: the exact bytes that are hashed. Validates first and
 * canonicalises the validated copy, so an event `verifyChain` would refuse can never be
 * hashed into a chain (stores compute every link through here) and a `toJSON` or prototype
 * on the object cannot change what is hashed. Throws `AuditEventError` for an invalid event.
 */
export function canonicalEvent(event: AuditEvent): string {
  const e = parseAuditEvent(event);
  // The validated event is flat: strings, nulls and safe non-negative integers. RFC 8785
  // then writes its members sorted by UTF-16 code units, each value exactly as
  // JSON.stringify does (the schema refuses lone surrogates, the one case JCS rejects).
  // A property test holds this equal to the general `canonicalize` library.
  return (
    `{"bytesOut":${JSON.stringify(e.bytesOut)},"certSerial":${JSON.stringify(e.certSerial)}` +
    `,"grantId":${JSON.stringify(e.grantId)},"outcome":${JSON.stringify(e.outcome)}` +
    `,"reason":${JSON.stringify(e.reason)},"resource":${JSON.stringify(e.resource)}` +
    `,"rowsOut":${JSON.stringify(e.rowsOut)},"subject":${JSON.stringify(e.subject)}` +
    `,"time":${JSON.stringify(e.time)},"verb":${JSON.stringify(e.verb)}}`
  );
}

/**
 * `SHA-256(prevHash ‖ canonical(event))` as lower-case hex. `prevHash` is the previous
 * record's hash (hex), or `GENESIS_HASH` for the first record of a chain. Throws
 * `AuditEventError` for an event the schema refuses.
 */
export function chainHash(prevHash: string, event: AuditEvent): string {
  return linkHash(prevHash, canonicalEvent(event));
}

/**
 * `chainHash` of an event already canonicalised by {@link canonicalEvent}: a store that keeps
 * the canonical text validates and canonicalises once, outside its transaction, and only
 * hashes inside it. `linkHash(p, canonicalEvent(e)) === chainHash(p, e)` for every event;
 * passing any other text hashes a link `verifyChain` will refuse.
 */
export function linkHash(prevHash: string, canonical: string): string {
  // One-shot hash of the concatenation: the same bytes as two updates, without a Hash object.
  return hash('sha256', prevHash + canonical, 'hex');
}
