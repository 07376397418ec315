/**
 * `fedtrust enroll-token issue`.
 *
 * @module @fedtrust/cli
 */
import { ENROLLMENT_TOKEN_DEFAULT_TTL_SECONDS, issueEnrollmentToken } from '@fedtrust/core';
import type { Command } from 'commander';
import { type CommandContext, jsonShape } from '../command-context.js';
import { parseDuration } from '../compose/parse-duration.js';
import type { Runtime } from '../compose/runtime.js';
import type { CommandResult } from '../output/command-result.js';
import { EXIT } from '../output/exit-codes.js';

export function registerEnrollToken(program: Command, ctx: CommandContext): void {
  const enroll = program
    .command('enroll-token')
    .description('Single-use enrollment tokens for pending grants.');
  jsonShape(
    enroll
      .command('issue')
      .description(
        "Issue a single-use enrollment token for a pending grant's peer. The token is printed once; only its hash is stored.",
      )
      .requiredOption('--grant <id>', 'pending grant id')
      .option('--ttl <duration>', 'time to live, 1m to 24h', `${ENROLLMENT_TOKEN_DEFAULT_TTL_SECONDS / 60}m`)
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => issue(rt, this.opts()));
      }),
    '{ token, prefix, grantId, peerId, createdAt, expiresAt }',
  );
}

async function issue(rt: Runtime, opts: { grant: string; ttl: string }): Promise<CommandResult> {
  const ttlSeconds = parseDuration(opts.ttl, '--ttl');
  const { store } = await rt.store();
  const { token, record } = await issueEnrollmentToken(
    { grantId: opts.grant, ttlSeconds },
    { store, clock: rt.clock, random: rt.random },
  );
  return {
    json: {
      token,
      prefix: record.prefix,
      grantId: record.grantId,
      peerId: record.peerId,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
    },
    text:
      `Enrollment token for grant ${record.grantId} (expires ${record.expiresAt.toISOString()}):\n\n` +
      `  ${token}\n\n` +
      'It is shown only this once and works once; send it to the peer over a trusted channel.\n',
    exitCode: EXIT.ok,
  };
}
