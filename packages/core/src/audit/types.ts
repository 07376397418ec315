/**
 * Audit event shapes.
 *
 * @module @fedtrust/core/audit
 */

/** One decision to record. Validated by `auditEventSchema` before it is hashed. */
export interface AuditEvent {
  /** ISO-8601 UTC instant of the decision. */
  time: string;
  grantId: string | null;
  subject: string | null;
  certSerial: string | null;
  verb: string;
  resource: string | null;
  outcome: 'allow' | 'deny';
  reason: string | null;
  rowsOut: number;
  bytesOut: number;
}

/** An appended event with its place in the chain. `hash = SHA-256(prevHash ‖ canonical(event))`, hex. */
export interface AuditRecord {
  chainId: string;
  seq: number;
  prevHash: string;
  hash: string;
  event: AuditEvent;
}

/** The hash that precedes the first event of every chain (64 zeros). */
export const GENESIS_HASH = '0'.repeat(64);
