/**
 * The append-only, hash-chained audit log.
 *
 * @module @fedtrust/adapter-sqlite
 */
import {
  type AuditEvent,
  type AuditRecord,
  type AuditStore,
  canonicalEvent,
  chainHash,
  FedtrustError,
  GENESIS_HASH,
} from '@fedtrust/core';
import type { Connection } from '../connection.js';
import { auditFromRow } from '../rows.js';

type AuditMethods = Pick<AuditStore, keyof AuditStore>;

export function auditMethods(c: Connection): AuditMethods {
  // BEGIN IMMEDIATE takes the file's write lock before reading the head, so an appender on
  // another connection or process waits (busy timeout) and then reads the new head: the
  // chain can neither fork (primary key (chain_id, seq) backs this up) nor gap.
  const append = c.db.transaction((chainId: string, event: AuditEvent): AuditRecord => {
    const occurredAt = Date.parse(event.time);
    if (!Number.isFinite(occurredAt)) {
      throw new FedtrustError('audit_event_invalid', 'The audit event time is not an ISO-8601 instant.', {
        status: 400,
        remediation: 'Pass `time` as `new Date().toISOString()` from the clock port.',
      });
    }
    const head = c
      .stmt('SELECT seq, hash FROM audit_events WHERE chain_id = ? ORDER BY seq DESC LIMIT 1')
      .get(chainId);
    const seq = head === undefined ? 1 : Number(head['seq']) + 1;
    const prevHash = head === undefined ? GENESIS_HASH : (head['hash'] as string);
    const hash = chainHash(prevHash, event);
    const text = canonicalEvent(event);
    c.stmt(
      `INSERT INTO audit_events (chain_id, seq, prev_hash, hash, event, occurred_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(chainId, seq, prevHash, hash, text, occurredAt);
    // The event as read back from its canonical text, so the caller sees what a reader will.
    return { chainId, seq, prevHash, hash, event: JSON.parse(text) as AuditEvent };
  });

  return {
    appendAudit: (chainId, event) => c.run('appendAudit', () => append.immediate(chainId, event)),

    listAudit: (chainId, options = {}) =>
      c.run('listAudit', () =>
        c
          .stmt('SELECT * FROM audit_events WHERE chain_id = ? AND seq >= ? ORDER BY seq LIMIT ?')
          // LIMIT -1 is SQLite's "no limit".
          .all(chainId, options.fromSeq ?? 1, options.limit ?? -1)
          .map(auditFromRow),
      ),

    tailAudit: (chainId, n) =>
      c.run('tailAudit', () =>
        c
          .stmt(
            `SELECT * FROM (SELECT * FROM audit_events WHERE chain_id = ? ORDER BY seq DESC LIMIT ?)
             ORDER BY seq`,
          )
          .all(chainId, Math.max(0, n))
          .map(auditFromRow),
      ),

    listAuditChains: () =>
      c.run('listAuditChains', () =>
        c
          .stmt('SELECT DISTINCT chain_id FROM audit_events ORDER BY chain_id')
          .all()
          .map((r) => r['chain_id'] as string),
      ),
  };
}
