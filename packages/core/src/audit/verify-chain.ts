/**
 * Verification of a hash-chained audit log.
 *
 * @module @fedtrust/core/audit
 */
import { FedtrustError } from '../errors/fedtrust-error.js';
import { auditEventSchema } from './audit-event-schema.js';
import { chainHash } from './chain-hash.js';
import { type AuditRecord, GENESIS_HASH } from './types.js';

/** Why a chain stopped verifying at `brokenAt`. */
export type ChainBreakReason =
  /** A record names another chain than the first record. */
  | 'chain_id_mismatch'
  /** `seq` is not the position + 1: a record was deleted, inserted or moved. */
  | 'seq_mismatch'
  /** `prevHash` is not the previous record's hash (or `GENESIS_HASH` for the first). */
  | 'prev_hash_mismatch'
  /** The event no longer matches the audit event schema. */
  | 'event_invalid'
  /** `hash` is not `SHA-256(prevHash ‖ canonical(event))`: the event or the hash was changed. */
  | 'hash_mismatch'
  /** Fewer records than the trusted anchor says the chain had: its tail was cut. */
  | 'truncated'
  /** The record at the anchor's position does not carry the anchor's hash. */
  | 'anchor_mismatch';

/** Result of {@link verifyChain}. `head` is the last record's hash (`GENESIS_HASH` when empty). */
export type ChainVerification =
  | { ok: true; length: number; head: string }
  | { ok: false; brokenAt: number; reason: ChainBreakReason };

/** A record the verifier trusts from elsewhere (a witness, an exported head), to detect a cut tail. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

/**
 * Verifies a whole chain from its first record: `brokenAt` is the 0-based index of the first
 * record that does not follow from the ones before it (for a cut tail, the index where the
 * first missing record belongs). An empty chain verifies. Without an `anchor`, removing
 * records from the end cannot be told from a shorter chain, and a chain copied whole under
 * another chain id verifies too (the id is not hashed); pass the last `{ seq, hash }` you
 * trust. Never throws for records: any malformed record is reported as a break. Throws
 * `audit_anchor_invalid` (400) for an anchor that is not `{ seq: whole number ≥ 0, hash:
 * 64 lower-case hex }`, rather than silently verifying without it.
 */
export function verifyChain(
  records: readonly AuditRecord[],
  options: { anchor?: ChainAnchor } = {},
): ChainVerification {
  const anchor = options.anchor;
  if (anchor !== undefined) assertAnchor(anchor);
  let prev = GENESIS_HASH;
  const chainId = records[0]?.chainId;
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    const reason = breakOf(record, index, prev, chainId);
    if (reason !== null) return { ok: false, brokenAt: index, reason };
    prev = (record as AuditRecord).hash;
  }
  if (anchor !== undefined) {
    if (records.length < anchor.seq) return { ok: false, brokenAt: records.length, reason: 'truncated' };
    const anchored = anchor.seq === 0 ? GENESIS_HASH : records[anchor.seq - 1]?.hash;
    if (anchored !== anchor.hash) {
      return { ok: false, brokenAt: Math.max(0, anchor.seq - 1), reason: 'anchor_mismatch' };
    }
  }
  return { ok: true, length: records.length, head: prev };
}

function breakOf(
  record: AuditRecord | undefined,
  index: number,
  prev: string,
  chainId: string | undefined,
): ChainBreakReason | null {
  if (typeof record !== 'object' || record === null) return 'event_invalid';
  if (record.chainId !== chainId) return 'chain_id_mismatch';
  if (record.seq !== index + 1) return 'seq_mismatch';
  if (record.prevHash !== prev) return 'prev_hash_mismatch';
  const parsed = auditEventSchema.safeParse(record.event);
  if (!parsed.success) return 'event_invalid';
  // chainHash canonicalises the validated fields; key order is not part of an event.
  let hash: string;
  try {
    hash = chainHash(prev, record.event);
  } catch {
    return 'event_invalid';
  }
  return hash === record.hash ? null : 'hash_mismatch';
}

function assertAnchor(anchor: ChainAnchor): void {
  const { seq, hash } = (typeof anchor === 'object' && anchor !== null ? anchor : {}) as {
    seq?: unknown;
    hash?: unknown;
  };
  if (
    Number.isSafeInteger(seq) &&
    (seq as number) >= 0 &&
    typeof hash === 'string' &&
    /^[0-9a-f]{64}$/.test(hash)
  ) {
    return;
  }
  throw new FedtrustError('audit_anchor_invalid', 'The chain anchor is not a { seq, hash } pair.', {
    status: 400,
    remediation:
      'Pass the anchor as { seq, hash } from a record you trust (seq a whole number, hash its 64-hex hash), not a verifyChain result.',
  });
}
