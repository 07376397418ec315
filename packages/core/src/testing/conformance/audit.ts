/**
 * Conformance: the audit log — `appendAudit`, `listAudit`, `tailAudit`,
 * `listAuditChains`. Appends to one chain are serialised: parallel appends produce
 * consecutive `seq`s, each linked to the one before, and `verifyChain` accepts the result.
 *
 * @module @fedtrust/core/testing
 */
import { expect, it } from 'vitest';
import { chainHash } from '../../audit/chain-hash.js';
import { type AuditEvent, GENESIS_HASH } from '../../audit/types.js';
import { verifyChain } from '../../audit/verify-chain.js';
import type { FederationStore } from '../../ports/store.js';
import { at, crossHandleIt, race } from './fixtures.js';
import type { ConformanceSection } from './section.js';

const APPENDERS = 48;

/** A valid event numbered `n`; every field is set so a store that drops one is caught. */
function auditEvent(n: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    time: at(n).toISOString(),
    grantId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    subject: `user-${n}`,
    certSerial: (0x7f00 + n).toString(16),
    verb: n % 2 === 0 ? 'list' : 'get',
    resource: 'notes',
    outcome: n % 3 === 0 ? 'deny' : 'allow',
    reason: n % 3 === 0 ? 'resource_excluded' : null,
    rowsOut: n % 3 === 0 ? 0 : n,
    bytesOut: n * 100,
    ...overrides,
  };
}

async function expectWholeChain(store: FederationStore, chainId: string, length: number): Promise<void> {
  const records = await store.listAudit(chainId);
  expect(records.map((r) => r.seq)).toEqual(Array.from({ length }, (_, i) => i + 1));
  expect(new Set(records.map((r) => r.prevHash)).size).toBe(length);
  const verdict = verifyChain(records);
  expect(verdict).toEqual({ ok: true, length, head: records.at(-1)?.hash ?? GENESIS_HASH });
}

export const auditSection: ConformanceSection = (ctx) => {
  it('the first append gets seq 1, prevHash GENESIS_HASH and hash = chainHash(GENESIS_HASH, event)', async () => {
    const store = await ctx.fresh();
    const event = auditEvent(1);
    const record = await store.appendAudit('gw-1', event);
    expect(record).toEqual({
      chainId: 'gw-1',
      seq: 1,
      prevHash: GENESIS_HASH,
      hash: chainHash(GENESIS_HASH, event),
      event,
    });
  });

  it('each append links to the previous record and the stored chain verifies', async () => {
    const store = await ctx.fresh();
    const appended = [];
    for (let n = 1; n <= 5; n++) appended.push(await store.appendAudit('gw-1', auditEvent(n)));
    for (let i = 1; i < appended.length; i++) {
      expect(appended[i]?.prevHash).toBe(appended[i - 1]?.hash);
      expect(appended[i]?.hash).toBe(chainHash(appended[i - 1]!.hash, auditEvent(i + 1)));
    }
    expect(await store.listAudit('gw-1')).toEqual(appended);
    await expectWholeChain(store, 'gw-1', 5);
  });

  it('events round-trip exactly, including nulls and a deny reason', async () => {
    const store = await ctx.fresh();
    const event = auditEvent(3, { grantId: null, subject: null, certSerial: null, resource: null });
    await store.appendAudit('gw-1', event);
    const [record] = await store.listAudit('gw-1');
    expect(record?.event).toEqual(event);
    expect(record?.hash).toBe(chainHash(GENESIS_HASH, event));
  });

  it('chains are independent: each starts at seq 1 from GENESIS_HASH, and listAuditChains names each once', async () => {
    const store = await ctx.fresh();
    expect(await store.listAuditChains()).toEqual([]);
    await store.appendAudit('gw-b', auditEvent(1));
    await store.appendAudit('gw-a', auditEvent(2));
    await store.appendAudit('gw-b', auditEvent(3));
    const a = await store.listAudit('gw-a');
    expect(a.map((r) => [r.seq, r.prevHash])).toEqual([[1, GENESIS_HASH]]);
    await expectWholeChain(store, 'gw-b', 2);
    expect([...(await store.listAuditChains())].sort()).toEqual(['gw-a', 'gw-b']);
    expect(await store.listAudit('gw-none')).toEqual([]);
  });

  it('listAudit honours fromSeq and limit; tailAudit returns the last n oldest first', async () => {
    const store = await ctx.fresh();
    for (let n = 1; n <= 6; n++) await store.appendAudit('gw-1', auditEvent(n));
    expect((await store.listAudit('gw-1', { fromSeq: 3 })).map((r) => r.seq)).toEqual([3, 4, 5, 6]);
    expect((await store.listAudit('gw-1', { fromSeq: 2, limit: 2 })).map((r) => r.seq)).toEqual([2, 3]);
    expect((await store.listAudit('gw-1', { fromSeq: 7 })).map((r) => r.seq)).toEqual([]);
    expect((await store.tailAudit('gw-1', 2)).map((r) => r.seq)).toEqual([5, 6]);
    expect((await store.tailAudit('gw-1', 10)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await store.tailAudit('gw-none', 3)).toEqual([]);
  });

  it('appendAudit refuses an event auditEventSchema refuses (audit_event_invalid) and leaves the chain untouched', async () => {
    // An appended event the verifier refuses would break verifyChain at that index for good,
    // a false tamper alarm that also hides any later real tampering.
    const store = await ctx.fresh();
    await store.appendAudit('gw-1', auditEvent(1));
    const before = await store.listAudit('gw-1');
    for (const bad of [
      auditEvent(2, { subject: '' }),
      auditEvent(2, { grantId: 'g'.repeat(513) }),
      { ...auditEvent(2), token: 'ftp_secret' },
    ]) {
      await expect(store.appendAudit('gw-1', bad as AuditEvent)).rejects.toMatchObject({
        code: 'audit_event_invalid',
      });
    }
    expect(await store.listAudit('gw-1')).toEqual(before);
    await store.appendAudit('gw-1', auditEvent(3));
    await expectWholeChain(store, 'gw-1', 2);
  });

  it(`${APPENDERS} parallel appends to one chain: no gap, no fork, verifyChain ok`, async () => {
    const store = await ctx.fresh();
    const results = await race(APPENDERS, (i) => store.appendAudit('gw-1', auditEvent(i + 1)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const seqs = results.map((r) => (r.status === 'fulfilled' ? r.value.seq : 0)).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: APPENDERS }, (_, i) => i + 1));
    await expectWholeChain(store, 'gw-1', APPENDERS);
  });

  it('parallel appends to two chains never interleave their links', async () => {
    const store = await ctx.fresh();
    await race(APPENDERS, (i) => store.appendAudit(i % 2 === 0 ? 'gw-a' : 'gw-b', auditEvent(i + 1)));
    await expectWholeChain(store, 'gw-a', APPENDERS / 2);
    await expectWholeChain(store, 'gw-b', APPENDERS / 2);
  });

  crossHandleIt(
    ctx,
    `${APPENDERS} parallel appends to one chain from two handles: no gap, no fork, verifyChain ok`,
    async ([a, b]) => {
      const results = await race(APPENDERS, (i) =>
        (i % 2 === 0 ? a : b).appendAudit('gw-1', auditEvent(i + 1)),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      await expectWholeChain(a, 'gw-1', APPENDERS);
      expect(await b.listAudit('gw-1')).toEqual(await a.listAudit('gw-1'));
    },
  );
};
