/**
 * `fedtrust tokens list|revoke|preflip-audit`: provider bearer tokens.
 *
 * @module @fedtrust/cli
 */
import {
  DEFAULT_MAX_LAST_USED_AGE_MS,
  type FederationStore,
  FedtrustError,
  type PreFlipReport,
  type ProviderSession,
  preFlipAudit,
} from '@fedtrust/core';
import type { Command } from 'commander';
import { type CommandContext, jsonShape } from '../command-context.js';
import { parseDuration } from '../compose/parse-duration.js';
import { readJsonFile } from '../compose/read-file.js';
import type { Runtime } from '../compose/runtime.js';
import type { CommandResult } from '../output/command-result.js';
import { EXIT, UsageError } from '../output/exit-codes.js';
import { table } from '../output/table.js';
import { providerTokenJson } from './records.js';

const TOKEN_JSON = '{ id, providerId, prefix, status, createdAt, lastUsedAt, revokedAt }';
const BLOCKER_JSON = '{ kind, providerId, tokenId?, tokenPrefix?, connectionId?, lastUsedAt? }';

export function registerTokens(program: Command, ctx: CommandContext): void {
  const tokens = program
    .command('tokens')
    .description('Provider bearer tokens: list, revoke, pre-flip audit.');
  jsonShape(
    tokens
      .command('list')
      .description('List provider tokens, newest first (prefixes only; tokens are never stored).')
      .option('--provider <id>', 'only tokens of this provider')
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => list(rt, this.opts()));
      }),
    `{ tokens: [${TOKEN_JSON}] }`,
  );
  jsonShape(
    tokens
      .command('revoke')
      .description('Revoke a provider token whatever its use; the provider must present a new one.')
      .argument('<id>', 'token id (from `tokens list`)')
      .action(async function (this: Command, id: string) {
        await ctx.run(this, (rt) => revoke(rt, id));
      }),
    `{ token: ${TOKEN_JSON} }`,
  );
  jsonShape(
    tokens
      .command('preflip-audit')
      .description(
        'Run the pre-flip audit before turning requireProviderTokens on; exits 1 while any blocker remains, listing each.',
      )
      .option(
        '--sessions <file>',
        "JSON array of live sessions (the registry's snapshot()), to audit them too",
      )
      .option('--max-age <duration>', 'an active token must have been used within this window', '24h')
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => preflip(rt, this.opts()));
      }),
    `{ safe, checkedTokens, checkedSessions, blockers: [${BLOCKER_JSON}] }`,
  );
}

async function list(rt: Runtime, opts: { provider?: string }): Promise<CommandResult> {
  const { store } = await rt.store();
  const tokens = (
    await store.listProviderTokens(opts.provider === undefined ? {} : { providerId: opts.provider })
  ).map(providerTokenJson);
  return {
    json: { tokens },
    text: table(
      ['id', 'provider', 'prefix', 'status', 'created', 'last used', 'revoked'],
      tokens.map((t) => [t.id, t.providerId, t.prefix, t.status, t.createdAt, t.lastUsedAt, t.revokedAt]),
      '(no provider tokens)',
    ),
    exitCode: EXIT.ok,
  };
}

async function revoke(rt: Runtime, id: string): Promise<CommandResult> {
  const { store } = await rt.store();
  const revoked = await store.revokeProviderToken(id, rt.clock.now());
  const token = (await store.listProviderTokens()).find((t) => t.id === id);
  if (token === undefined) {
    throw new FedtrustError('provider_token_not_found', `No provider token has id ${id}.`, {
      status: 404,
      remediation: 'Check the token id with `fedtrust tokens list`.',
    });
  }
  if (!revoked) {
    throw new FedtrustError('provider_token_already_revoked', `Provider token ${id} was already revoked.`, {
      status: 409,
      remediation:
        "Nothing to do; `fedtrust tokens list --provider <id>` shows the provider's active token, if any.",
    });
  }
  return {
    json: { token: providerTokenJson(token) },
    text: `Revoked provider token ${token.prefix}… (${token.id}) of provider ${token.providerId}.\n`,
    exitCode: EXIT.ok,
  };
}

/** The pre-flip audit over the store's tokens and, when given, a sessions snapshot. */
export async function runPreFlip(
  store: Pick<FederationStore, 'listProviderTokens'>,
  now: Date,
  sessions: ProviderSession[],
  maxLastUsedAgeMs: number = DEFAULT_MAX_LAST_USED_AGE_MS,
): Promise<PreFlipReport & { checkedTokens: number; checkedSessions: number }> {
  const tokens = await store.listProviderTokens();
  const report = preFlipAudit({ tokens, sessions, now, maxLastUsedAgeMs });
  return { ...report, checkedTokens: tokens.length, checkedSessions: sessions.length };
}

/** Reads a sessions snapshot file: an array of `{ providerId, connectionId, authState }`. */
export function readSessions(path: string | undefined, cwd: string): ProviderSession[] {
  if (path === undefined) return [];
  const raw = readJsonFile(path, cwd, '--sessions');
  const valid =
    Array.isArray(raw) &&
    raw.every(
      (s) =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as Record<string, unknown>)['providerId'] === 'string' &&
        typeof (s as Record<string, unknown>)['connectionId'] === 'string' &&
        typeof (s as Record<string, unknown>)['authState'] === 'string',
    );
  if (!valid) {
    throw new UsageError(
      'sessions_file_invalid',
      `--sessions ${path} is not an array of sessions.`,
      "Pass the JSON of the registry's snapshot(): [{ providerId, connectionId, authState, … }].",
    );
  }
  return raw as ProviderSession[];
}

/** One line per blocker, for the transcript. */
export function describeBlockers(report: PreFlipReport): string {
  return table(
    ['kind', 'provider', 'token', 'connection', 'last used'],
    report.blockers.map((b) => [
      b.kind,
      b.providerId,
      b.tokenPrefix === undefined ? undefined : `${b.tokenPrefix}… (${b.tokenId})`,
      b.connectionId,
      b.lastUsedAt,
    ]),
  );
}

async function preflip(rt: Runtime, opts: { sessions?: string; maxAge: string }): Promise<CommandResult> {
  const maxAgeMs = parseDuration(opts.maxAge, '--max-age') * 1000;
  const sessions = readSessions(opts.sessions, rt.io.cwd);
  const { store } = await rt.store();
  const report = await runPreFlip(store, rt.clock.now(), sessions, maxAgeMs);
  const head = `Checked ${report.checkedTokens} token(s) and ${report.checkedSessions} session(s).\n`;
  const text = report.safe
    ? `${head}Safe to turn requireProviderTokens on: no blockers.\n`
    : `${head}NOT safe to turn requireProviderTokens on: ${report.blockers.length} blocker(s).\n${describeBlockers(report)}` +
      `Fix: have each listed provider reconnect with its token (or revoke stale ones with \`fedtrust tokens revoke\`), then run this again.\n`;
  return {
    json: {
      safe: report.safe,
      checkedTokens: report.checkedTokens,
      checkedSessions: report.checkedSessions,
      blockers: report.blockers,
    },
    text,
    exitCode: report.safe ? EXIT.ok : EXIT.failed,
  };
}
