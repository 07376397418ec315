/**
 * `fedtrust audit verify|tail`.
 *
 * @module @fedtrust/cli
 */
import {
  type AuditRecord,
  type AuditStore,
  type ChainAnchor,
  type ChainBreakReason,
  FedtrustError,
  verifyChain,
} from '@fedtrust/core';
import type { Command } from 'commander';
import { type CommandContext, jsonShape } from '../command-context.js';
import { parsePositiveInt } from '../compose/parse-duration.js';
import type { Runtime } from '../compose/runtime.js';
import type { CommandResult } from '../output/command-result.js';
import { EXIT, UsageError } from '../output/exit-codes.js';
import { table } from '../output/table.js';

const PAGE = 1000;

/** One chain's verification, as `audit verify` and `doctor --check audit` report it. */
export interface ChainReport {
  chainId: string;
  ok: boolean;
  /** Records read. */
  length: number;
  /** Hash of the last record when the chain verifies, else `null`. */
  head: string | null;
  /** The first broken link: 0-based `index` into the chain, the `seq` stored there, and why. */
  brokenAt: { index: number; seq: number | null; reason: ChainBreakReason } | null;
}

export function registerAudit(program: Command, ctx: CommandContext): void {
  const audit = program.command('audit').description('Verify and read the hash-chained audit log.');
  jsonShape(
    audit
      .command('verify')
      .description(
        'Verify every audit chain (or one) from its first record; exits 1 at the first broken link, naming its position.',
      )
      .option('--chain <id>', 'verify only this chain')
      .option(
        '--anchor <seq:hash>',
        'a record you trust from an earlier verify (its seq and hash, e.g. length:head of `audit verify --json`): also detects records cut from the end; needs --chain',
      )
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => verify(rt, this.opts()));
      }),
    '{ ok, anchor: { seq, hash } | null, chains: [{ chainId, ok, length, head, brokenAt: { index, seq, reason } | null }] }',
  );
  jsonShape(
    audit
      .command('tail')
      .description('Print the last records of every chain (or one), oldest first.')
      .option('--chain <id>', 'only this chain')
      .option('-n, --lines <n>', 'records per chain', '50')
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => tail(rt, this.opts()));
      }),
    '{ records: [{ chainId, seq, hash, prevHash, event: { time, grantId, subject, certSerial, verb, resource, outcome, reason, rowsOut, bytesOut } }] }',
  );
}

/** Reads a whole chain page by page and verifies it with core's `verifyChain` (against `anchor` when given). */
export async function verifyOneChain(
  store: AuditStore,
  chainId: string,
  anchor?: ChainAnchor,
): Promise<ChainReport> {
  const records: AuditRecord[] = [];
  let fromSeq = 1;
  for (;;) {
    const page = await store.listAudit(chainId, { fromSeq, limit: PAGE });
    records.push(...page);
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) break;
    fromSeq = last.seq + 1;
  }
  const result = verifyChain(records, anchor === undefined ? {} : { anchor });
  if (result.ok) return { chainId, ok: true, length: result.length, head: result.head, brokenAt: null };
  return {
    chainId,
    ok: false,
    length: records.length,
    head: null,
    brokenAt: { index: result.brokenAt, seq: records[result.brokenAt]?.seq ?? null, reason: result.reason },
  };
}

/** The chains to act on: `--chain` (which must exist) or every chain in the store. */
async function chainsOf(store: AuditStore, chain: string | undefined): Promise<string[]> {
  const chains = await store.listAuditChains();
  if (chain === undefined) return chains;
  if (!chains.includes(chain)) {
    throw new FedtrustError('audit_chain_not_found', `No audit chain "${chain}" has any record.`, {
      status: 404,
      remediation: `Pick one of: ${chains.length === 0 ? '(none yet)' : chains.join(', ')}.`,
    });
  }
  return [chain];
}

/** One line per chain, for transcripts. */
export function describeChain(report: ChainReport): string {
  if (report.ok)
    return `chain ${report.chainId}: ok, ${report.length} record(s), head ${report.head?.slice(0, 16)}…`;
  const b = report.brokenAt as NonNullable<ChainReport['brokenAt']>;
  return `chain ${report.chainId}: BROKEN at position ${b.index + 1} (index ${b.index}, seq ${b.seq ?? 'none'}): ${b.reason}`;
}

/** `--anchor seq:hash`, or `UsageError` for a malformed one or one without `--chain`. */
function parseAnchor(text: string | undefined, chain: string | undefined): ChainAnchor | undefined {
  if (text === undefined) return undefined;
  if (chain === undefined) {
    throw new UsageError(
      'audit_anchor_without_chain',
      'An --anchor belongs to one chain; no --chain was given.',
      'Pass --chain <id> with --anchor <seq:hash> (both from `fedtrust audit verify --json`).',
    );
  }
  const match = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim());
  if (match === null) {
    throw new UsageError(
      'audit_anchor_invalid',
      `--anchor "${text}" is not <seq>:<64 lower-case hex hash>.`,
      'Pass the length and head of a chain from an earlier `fedtrust audit verify --json`, as --anchor 1234:3f…',
    );
  }
  return { seq: Number(match[1]), hash: match[2] as string };
}

async function verify(rt: Runtime, opts: { chain?: string; anchor?: string }): Promise<CommandResult> {
  const anchor = parseAnchor(opts.anchor, opts.chain);
  const { store } = await rt.store();
  const chains: ChainReport[] = [];
  // With an anchor, a chain with no record left is a cut tail to report, not an unknown id.
  const ids =
    anchor !== undefined && opts.chain !== undefined ? [opts.chain] : await chainsOf(store, opts.chain);
  for (const chainId of ids) {
    const report = await verifyOneChain(store, chainId, anchor);
    chains.push(report);
    // The first broken link is the answer; later chains are not read.
    if (!report.ok) break;
  }
  const ok = chains.every((c) => c.ok);
  const lines = chains.map(describeChain);
  if (chains.length === 0) lines.push('No audit chain has records yet.');
  if (anchor !== undefined && ok) lines.push(`The anchor (seq ${anchor.seq}) is in the chain.`);
  if (!ok) {
    lines.push(
      chains.some((c) => c.brokenAt?.reason === 'truncated' || c.brokenAt?.reason === 'anchor_mismatch')
        ? 'Fix: records the anchor vouches for are missing or different: the log was cut or rewritten; keep the database for forensics, restore it from a backup that verifies against the anchor, and find who had write access.'
        : 'Fix: the log was altered at that position; keep the database for forensics, restore it from a backup taken before that record, and find who had write access.',
    );
  }
  return {
    json: { ok, anchor: anchor ?? null, chains },
    text: `${lines.join('\n')}\n`,
    exitCode: ok ? EXIT.ok : EXIT.failed,
  };
}

async function tail(rt: Runtime, opts: { chain?: string; lines: string }): Promise<CommandResult> {
  const n = parsePositiveInt(opts.lines, '--lines');
  const { store } = await rt.store();
  const records: AuditRecord[] = [];
  for (const chainId of await chainsOf(store, opts.chain))
    records.push(...(await store.tailAudit(chainId, n)));
  return {
    json: { records },
    text: table(
      ['chain', 'seq', 'time', 'outcome', 'reason', 'verb', 'resource', 'grant', 'rows'],
      records.map((r) => [
        r.chainId,
        r.seq,
        r.event.time,
        r.event.outcome,
        r.event.reason,
        r.event.verb,
        r.event.resource,
        r.event.grantId,
        r.event.rowsOut,
      ]),
      '(no audit records)',
    ),
    exitCode: EXIT.ok,
  };
}
