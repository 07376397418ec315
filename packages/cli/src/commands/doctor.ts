/**
 * `fedtrust doctor`: every precondition of a release, each check real, each with a remediation.
 *
 * @module @fedtrust/cli
 */
import type { Command } from 'commander';
import { type CommandContext, jsonShape } from '../command-context.js';
import { parsePositiveInt } from '../compose/parse-duration.js';
import type { Runtime } from '../compose/runtime.js';
import { runDoctor } from '../doctor/run-doctor.js';
import { CHECK_NAMES, type CheckName, type DoctorOptions } from '../doctor/types.js';
import type { CommandResult } from '../output/command-result.js';
import { EXIT, UsageError } from '../output/exit-codes.js';

interface DoctorFlags {
  check?: string;
  serverCert?: string;
  peerUrl?: string[];
  peerCa?: string;
  clockThreshold: string;
  clockOffset?: string;
  requireProviderTokens?: boolean;
  sessions?: string;
}

export function registerDoctor(program: Command, ctx: CommandContext): void {
  jsonShape(
    program
      .command('doctor')
      .description(
        `Check every precondition of a release: ${CHECK_NAMES.join(', ')}. Exits 1 when any check fails; warnings do not fail.`,
      )
      .option('--check <names>', `comma-separated checks to run (default all: ${CHECK_NAMES.join(',')})`)
      .option('--server-cert <file>', "the gateway's TLS server certificate, PEM (env FEDTRUST_SERVER_CERT)")
      .option(
        '--peer-url <url...>',
        'peer gateway URL(s) whose Date header the clock check compares (env FEDTRUST_PEER_URLS)',
      )
      .option('--peer-ca <file>', 'PEM root(s) to verify https peer URLs against (default: the system roots)')
      .option('--clock-threshold <seconds>', 'fail the clock check above this skew', '60')
      .option(
        '--clock-offset <seconds>',
        'shift this host clock by this many seconds as the clock check sees it, to rehearse skew (env FEDTRUST_CLOCK_OFFSET_SECONDS)',
      )
      .option(
        '--require-provider-tokens',
        'the gateway runs with requireProviderTokens on (env FEDTRUST_REQUIRE_PROVIDER_TOKENS=true)',
      )
      .option('--sessions <file>', "live sessions (the registry's snapshot() as JSON) for the tokens check")
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => doctor(rt, this.opts()));
      }),
    '{ ok, status, checks: [{ name, status, summary, remediation, findings: [{ status, subject, message }], details }] }',
  );
}

function selectChecks(text: string | undefined): CheckName[] {
  if (text === undefined) return [...CHECK_NAMES];
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const unknown = names.filter((n) => !(CHECK_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(
      'doctor_check_unknown',
      `Unknown doctor check(s): ${unknown.length > 0 ? unknown.join(', ') : '(none given)'}.`,
      `Pick from ${CHECK_NAMES.join(', ')}, e.g. --check store,audit.`,
    );
  }
  return CHECK_NAMES.filter((n) => names.includes(n));
}

function parseOffset(text: string | undefined): number {
  if (text === undefined) return 0;
  const value = Number(text);
  if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new UsageError(
      'number_invalid',
      `The clock offset "${text}" is not a whole number of seconds.`,
      'Give --clock-offset (or FEDTRUST_CLOCK_OFFSET_SECONDS) as e.g. 120 or -90.',
    );
  }
  return value;
}

/** Doctor settings: flags first, then environment. */
export function doctorOptions(flags: DoctorFlags, env: Record<string, string | undefined>): DoctorOptions {
  const envUrls = (env['FEDTRUST_PEER_URLS'] ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  return {
    serverCert: flags.serverCert ?? (env['FEDTRUST_SERVER_CERT'] || undefined),
    peerUrls: flags.peerUrl ?? envUrls,
    peerCa: flags.peerCa,
    clockThresholdSeconds: parsePositiveInt(flags.clockThreshold, '--clock-threshold'),
    clockOffsetSeconds: parseOffset(flags.clockOffset ?? (env['FEDTRUST_CLOCK_OFFSET_SECONDS'] || undefined)),
    requireProviderTokens:
      flags.requireProviderTokens === true ||
      /^(1|true|yes|on)$/i.test(env['FEDTRUST_REQUIRE_PROVIDER_TOKENS'] ?? ''),
    sessionsFile: flags.sessions,
  };
}

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

async function doctor(rt: Runtime, flags: DoctorFlags): Promise<CommandResult> {
  const names = selectChecks(flags.check);
  const options = doctorOptions(flags, rt.io.env);
  const report = await runDoctor(rt, names, options);
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]}  ${check.name.padEnd(width)}  ${check.summary}`);
    for (const finding of check.findings.filter((f) => f.status !== 'pass')) {
      lines.push(`${' '.repeat(width + 8)}${finding.status}: ${finding.subject}: ${finding.message}`);
    }
    if (check.remediation !== null) lines.push(`${' '.repeat(width + 8)}fix: ${check.remediation}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  lines.push(
    failed > 0
      ? `doctor: ${failed} check(s) failed, ${warned} warning(s).`
      : `doctor: all ${report.checks.length} check(s) passed${warned > 0 ? ` (${warned} warning(s))` : ''}.`,
  );
  return { json: report, text: `${lines.join('\n')}\n`, exitCode: report.ok ? EXIT.ok : EXIT.failed };
}
