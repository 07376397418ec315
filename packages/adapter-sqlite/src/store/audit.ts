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
  FedtrustError,
  GENESIS_HASH,
  linkHash,
} from '@fedtrust/core';
import type { Connection } from '../connection.js';
import { wrapSqliteError } from '../errors.js';
import { auditFromRow } from '../rows.js';

type AuditMethods = Pick<AuditStore, keyof AuditStore>;

/** The audit methods plus the hook `close()` uses to commit what is still queued. */
export interface AuditLog extends AuditMethods {
  /** Commits every queued append now (their callers' promises settle); a no-op when none is. */
  flush(): void;
}

/** One validated append waiting for its group's transaction. */
interface QueuedAppend {
  chainId: string;
  /** The RFC 8785 text that is hashed and stored, computed once by `canonicalEvent`. */
  canonical: string;
  occurredAt: number;
  resolve(record: AuditRecord): void;
  reject(error: unknown): void;
}

/**
 * Group commit: appends that arrive while the event loop is busy are committed together in
 * one `BEGIN IMMEDIATE` transaction at the next check phase, so one commit (one WAL fsync
 * under `synchronous = FULL`) serves all of them. Every caller's promise still settles only
 * after its own record is committed, with that record; a failed transaction rolls back the
 * whole group and rejects each of its callers, so a decision is never reported appended
 * when it is not. An event is validated and canonicalised before it is queued, so an
 * invalid one is refused alone and never reaches a group.
 */
export function auditMethods(c: Connection): AuditLog {
  // BEGIN IMMEDIATE takes the file's write lock before reading a head, so an appender on
  // another connection or process waits (busy timeout) and then reads the new head: a chain
  // can neither fork (primary key (chain_id, seq) backs this up) nor gap. Within a group the
  // head of each chain is read once and then advanced in call order.
  const commit = c.db.transaction((group: readonly QueuedAppend[]): AuditRecord[] => {
    const heads = new Map<string, { seq: number; hash: string }>();
    const records: AuditRecord[] = [];
    for (const append of group) {
      let previous = heads.get(append.chainId);
      if (previous === undefined) {
        const row = c
          .stmt('SELECT seq, hash FROM audit_events WHERE chain_id = ? ORDER BY seq DESC LIMIT 1')
          .get(append.chainId);
        previous =
          row === undefined
            ? { seq: 0, hash: GENESIS_HASH }
            : { seq: Number(row['seq']), hash: row['hash'] as string };
      }
      const seq = previous.seq + 1;
      const hash = linkHash(previous.hash, append.canonical);
      c.stmt(
        `INSERT INTO audit_events (chain_id, seq, prev_hash, hash, event, occurred_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(append.chainId, seq, previous.hash, hash, append.canonical, append.occurredAt);
      heads.set(append.chainId, { seq, hash });
      // The event as read back from its canonical text, so the caller sees what a reader will.
      records.push({
        chainId: append.chainId,
        seq,
        prevHash: previous.hash,
        hash,
        event: JSON.parse(append.canonical) as AuditEvent,
      });
    }
    return records;
  });

  let queue: QueuedAppend[] = [];
  let scheduled: ReturnType<typeof setImmediate> | null = null;

  function flush(): void {
    if (scheduled !== null) clearImmediate(scheduled);
    scheduled = null;
    const group = queue;
    queue = [];
    if (group.length === 0) return;
    let records: AuditRecord[];
    try {
      records = commit.immediate(group);
    } catch (error) {
      const wrapped = wrapSqliteError(error, 'appendAudit');
      for (const append of group) append.reject(wrapped);
      return;
    }
    for (let i = 0; i < group.length; i++) group[i]?.resolve(records[i] as AuditRecord);
  }

  function enqueue(chainId: string, event: AuditEvent): Promise<AuditRecord> {
    const canonical = canonicalEvent(event);
    const occurredAt = Date.parse(event.time);
    if (!Number.isFinite(occurredAt)) {
      throw new FedtrustError('audit_event_invalid', 'The audit event time is not an ISO-8601 instant.', {
        status: 400,
        remediation: 'Pass `time` as `new Date().toISOString()` from the clock port.',
      });
    }
    return new Promise<AuditRecord>((resolve, reject) => {
      queue.push({ chainId, canonical, occurredAt, resolve, reject });
      scheduled ??= setImmediate(flush);
    });
  }

  return {
    appendAudit: (chainId, event) => c.run('appendAudit', () => enqueue(chainId, event)),

    flush,

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
