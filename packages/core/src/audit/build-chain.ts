/**
 * Building chain records in memory: for tests, fixtures and stores that compute the link
 * themselves.
 *
 * @module @fedtrust/core/audit
 */
import { parseAuditEvent } from './audit-event-schema.js';
import { chainHash } from './chain-hash.js';
import { type AuditEvent, type AuditRecord, GENESIS_HASH } from './types.js';

/**
 * The record that follows `previous` (or starts the chain when `previous` is undefined).
 * Validates the event first; throws `AuditEventError` and builds nothing when it is invalid.
 */
export function nextAuditRecord(
  chainId: string,
  previous: AuditRecord | undefined,
  event: AuditEvent,
): AuditRecord {
  const clean = parseAuditEvent(event);
  const prevHash = previous?.hash ?? GENESIS_HASH;
  return { chainId, seq: (previous?.seq ?? 0) + 1, prevHash, hash: chainHash(prevHash, clean), event: clean };
}

/** A whole well-formed chain of `events`, in order; `verifyChain` accepts it. */
export function buildAuditChain(chainId: string, events: readonly AuditEvent[]): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (const event of events) records.push(nextAuditRecord(chainId, records.at(-1), event));
  return records;
}
