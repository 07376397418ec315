/**
 * The hash that links one audit record to the previous one.
 *
 * @module @fedtrust/core/audit
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { FedtrustError } from '../errors/fedtrust-error.js';
import { parseAuditEvent } from './audit-event-schema.js';
import type { AuditEvent } from './types.js';

/**
 * RFC 8785 canonical JSON of an event: the exact bytes that are hashed. Validates first and
 * canonicalises the validated copy, so an event `verifyChain` would refuse can never be
 * hashed into a chain (stores compute every link through here) and a `toJSON` or prototype
 * on the object cannot change what is hashed. Throws `AuditEventError` for an invalid event.
 */
export function canonicalEvent(event: AuditEvent): string {
  const text = canonicalize(parseAuditEvent(event));
  if (text === undefined) {
    throw new FedtrustError('audit_event_invalid', 'The audit event cannot be canonicalised.', {
      status: 400,
      remediation: 'Pass a plain JSON object that matches the audit event schema.',
    });
  }
  return text;
}

/**
 * `SHA-256(prevHash ‖ canonical(event))` as lower-case hex. `prevHash` is the previous
 * record's hash (hex), or `GENESIS_HASH` for the first record of a chain. Throws
 * `AuditEventError` for an event the schema refuses.
 */
export function chainHash(prevHash: string, event: AuditEvent): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalEvent(event), 'utf8').digest('hex');
}
