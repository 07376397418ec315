import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditEventArbitrary } from './audit-event.arbitrary.js';
import { buildAuditChain, nextAuditRecord } from './build-chain.js';
import { chainHash } from './chain-hash.js';
import { type AuditEvent, type AuditRecord, GENESIS_HASH } from './types.js';
import { verifyChain } from './verify-chain.js';

const event = (n: number, overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  time: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
  grantId: 'g-1',
  subject: 'user-7',
  certSerial: '0a1b',
  verb: 'list',
  resource: 'notes',
  outcome: 'allow',
  reason: null,
  rowsOut: n,
  bytesOut: n * 10,
  ...overrides,
});

/** A chain of at least 100 records plus a position inside it. */
const chainWithIndex = fc.array(auditEventArbitrary, { minLength: 100, maxLength: 140 }).chain((events) =>
  fc.record({
    records: fc.constant(buildAuditChain('chain-a', events)),
    index: fc.nat({ max: events.length - 1 }),
  }),
);

describe('verifyChain', () => {
  it('verifies an empty chain with length 0 and the genesis head', () => {
    expect(verifyChain([])).toEqual({ ok: true, length: 0, head: GENESIS_HASH });
  });

  it('verifies a built chain and reports its last hash as head', () => {
    const records = buildAuditChain('c', [event(1), event(2), event(3)]);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]?.prevHash).toBe(GENESIS_HASH);
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
    expect(records[2]?.hash).toBe(chainHash(records[1]!.hash, event(3)));
    expect(verifyChain(records)).toEqual({ ok: true, length: 3, head: records[2]?.hash });
  });

  it('detects a change to the first event at index 0', () => {
    const records = buildAuditChain('c', [event(1), event(2)]);
    const tampered = records.map((r, i) =>
      i === 0 ? { ...r, event: { ...r.event, outcome: 'deny' as const } } : r,
    );
    expect(verifyChain(tampered)).toEqual({ ok: false, brokenAt: 0, reason: 'hash_mismatch' });
  });

  it('detects a record that claims another chain', () => {
    const records = buildAuditChain('c', [event(1), event(2)]);
    const other = nextAuditRecord('d', records[0], event(2));
    expect(verifyChain([records[0]!, other])).toEqual({
      ok: false,
      brokenAt: 1,
      reason: 'chain_id_mismatch',
    });
  });

  it('detects an event that no longer matches the schema even when its hash was recomputed', () => {
    const records = buildAuditChain('c', [event(1)]);
    const bad = { ...records[0]!.event, rowsOut: -1 };
    // chainHash refuses to hash it, so the forger hashes the canonical bytes by hand.
    const rawHash = createHash('sha256')
      .update(GENESIS_HASH + (canonicalize(bad) as string))
      .digest('hex');
    const forged: AuditRecord = { ...records[0]!, event: bad, hash: rawHash };
    expect(verifyChain([forged])).toEqual({ ok: false, brokenAt: 0, reason: 'event_invalid' });
  });

  it('detects a first record that does not start from the genesis hash', () => {
    const records = buildAuditChain('c', [event(1), event(2)]);
    expect(verifyChain(records.slice(1).map((r) => ({ ...r, seq: 1 })))).toEqual({
      ok: false,
      brokenAt: 0,
      reason: 'prev_hash_mismatch',
    });
  });

  it('detects a cut tail only against a trusted anchor, at the index of the first missing record', () => {
    const records = buildAuditChain('c', [event(1), event(2), event(3)]);
    const anchor = { seq: 3, hash: records[2]!.hash };
    expect(verifyChain(records.slice(0, 2)).ok).toBe(true);
    expect(verifyChain(records.slice(0, 2), { anchor })).toEqual({
      ok: false,
      brokenAt: 2,
      reason: 'truncated',
    });
    expect(verifyChain(records, { anchor })).toEqual({ ok: true, length: 3, head: anchor.hash });
    expect(verifyChain(records, { anchor: { seq: 2, hash: records[2]!.hash } })).toEqual({
      ok: false,
      brokenAt: 1,
      reason: 'anchor_mismatch',
    });
  });

  it('never throws on malformed records and reports them as breaks', () => {
    const records = buildAuditChain('c', [event(1)]);
    const junk = [records[0], null, 42] as unknown as AuditRecord[];
    expect(verifyChain(junk)).toEqual({ ok: false, brokenAt: 1, reason: 'event_invalid' });
  });

  it('reports a stored event with a lone surrogate as event_invalid instead of throwing', () => {
    const records = buildAuditChain('c', [event(1), event(2)]);
    const tampered = [
      records[0]!,
      { ...records[1]!, event: { ...records[1]!.event, subject: 'user-\uD800' } },
    ];
    expect(verifyChain(tampered)).toEqual({ ok: false, brokenAt: 1, reason: 'event_invalid' });
  });

  it.each<[string, unknown]>([
    ['the shape verifyChain returns ({ length, head })', { length: 3, head: 'h' }],
    ['a NaN seq', { seq: Number.NaN }],
    ['a negative seq', { seq: -1 }],
    ['a fractional seq', { seq: 2.5 }],
    ['a string seq', { seq: '3' }],
    ['a hash that is not 64 lower-case hex', { seq: 3, hash: 'ABC' }],
  ])('refuses an anchor that is %s with audit_anchor_invalid, never ignoring it', (_label, anchor) => {
    const records = buildAuditChain('c', [event(1), event(2), event(3)]);
    const head = records[2]!.hash;
    const shaped = { hash: head, ...(anchor as object) };
    expect(() => verifyChain(records.slice(0, 2), { anchor: shaped as never })).toThrow(
      expect.objectContaining({ code: 'audit_anchor_invalid', status: 400 }),
    );
  });

  it('an anchor at seq 0 must carry the genesis hash', () => {
    const records = buildAuditChain('c', [event(1)]);
    expect(verifyChain(records, { anchor: { seq: 0, hash: GENESIS_HASH } })).toMatchObject({ ok: true });
    expect(verifyChain(records, { anchor: { seq: 0, hash: records[0]!.hash } })).toEqual({
      ok: false,
      brokenAt: 0,
      reason: 'anchor_mismatch',
    });
  });

  it('property: changing any event in a chain of at least 100 is detected at that index', () => {
    fc.assert(
      fc.property(chainWithIndex, auditEventArbitrary, ({ records, index }, replacement) => {
        fc.pre(JSON.stringify(replacement) !== JSON.stringify(records[index]!.event));
        const tampered = records.map((r, i) => (i === index ? { ...r, event: replacement } : r));
        expect(verifyChain(tampered)).toEqual({ ok: false, brokenAt: index, reason: 'hash_mismatch' });
      }),
      { numRuns: 100 },
    );
  });

  it('property: changing an event and recomputing its hash in a chain of at least 100 is detected at the next record (or by the anchor at the end)', () => {
    fc.assert(
      fc.property(chainWithIndex, auditEventArbitrary, ({ records, index }, replacement) => {
        const original = records[index]!;
        fc.pre(JSON.stringify(replacement) !== JSON.stringify(original.event));
        const forged = { ...original, event: replacement, hash: chainHash(original.prevHash, replacement) };
        const tampered = records.map((r, i) => (i === index ? forged : r));
        const last = records.at(-1)!;
        const result = verifyChain(tampered, { anchor: { seq: last.seq, hash: last.hash } });
        if (index < records.length - 1) {
          expect(result).toEqual({ ok: false, brokenAt: index + 1, reason: 'prev_hash_mismatch' });
        } else {
          expect(result).toEqual({ ok: false, brokenAt: index, reason: 'anchor_mismatch' });
        }
      }),
      { numRuns: 100 },
    );
  });

  it('property: deleting any event from a chain of at least 100 is detected at its index', () => {
    fc.assert(
      fc.property(chainWithIndex, ({ records, index }) => {
        const last = records.at(-1)!;
        const remaining = records.filter((_, i) => i !== index);
        const result = verifyChain(remaining, { anchor: { seq: last.seq, hash: last.hash } });
        expect(result).toEqual({
          ok: false,
          brokenAt: index,
          reason: index === records.length - 1 ? 'truncated' : 'seq_mismatch',
        });
      }),
      { numRuns: 100 },
    );
  });

  it('property: swapping two events of a chain of at least 100 is detected at the earlier index', () => {
    fc.assert(
      fc.property(
        chainWithIndex.chain((c) =>
          fc.record({ c: fc.constant(c), other: fc.nat({ max: c.records.length - 1 }) }),
        ),
        ({ c: { records, index }, other }) => {
          fc.pre(other !== index);
          const reordered = [...records];
          reordered[index] = records[other]!;
          reordered[other] = records[index]!;
          expect(verifyChain(reordered)).toEqual({
            ok: false,
            brokenAt: Math.min(index, other),
            reason: 'seq_mismatch',
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: inserting a copied record into a chain of at least 100 is detected at the insertion index', () => {
    fc.assert(
      fc.property(
        chainWithIndex.chain((c) =>
          fc.record({ c: fc.constant(c), source: fc.nat({ max: c.records.length - 1 }) }),
        ),
        ({ c: { records, index }, source }) => {
          // Inserting record `index` right before itself is indistinguishable from it; the copy must differ.
          fc.pre(source !== index);
          const inserted = [...records.slice(0, index), records[source]!, ...records.slice(index)];
          expect(verifyChain(inserted)).toEqual({ ok: false, brokenAt: index, reason: 'seq_mismatch' });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: inserting a correctly linked forged record into a chain of at least 100 is detected at the record it displaced', () => {
    fc.assert(
      fc.property(chainWithIndex, auditEventArbitrary, ({ records, index }, extra) => {
        const forged = nextAuditRecord('chain-a', records[index - 1], extra);
        const inserted = [...records.slice(0, index), forged, ...records.slice(index)];
        expect(verifyChain(inserted)).toEqual({ ok: false, brokenAt: index + 1, reason: 'seq_mismatch' });
      }),
      { numRuns: 100 },
    );
  });

  it('property: every untouched chain of at least 100 verifies with its last hash as head', () => {
    fc.assert(
      fc.property(chainWithIndex, ({ records }) => {
        expect(verifyChain(records)).toEqual({
          ok: true,
          length: records.length,
          head: records.at(-1)!.hash,
        });
      }),
      { numRuns: 50 },
    );
  });
});
