/**
 * `fedtrust migrate` and `fedtrust migrate status`.
 *
 * @module @fedtrust/cli
 */
import type { Command } from 'commander';
import { type CommandContext, jsonShape } from '../command-context.js';
import { type MigrationReport, migrationLabel } from '../compose/open-store.js';
import type { Runtime } from '../compose/runtime.js';
import type { CommandResult } from '../output/command-result.js';
import { EXIT } from '../output/exit-codes.js';
import { table } from '../output/table.js';

const REPORT_JSON =
  '{ applied: [{ version, name, checksum, appliedAt }], pending: [{ version, name, checksum }], drift: [{ version, name, kind, appliedChecksum, fileChecksum }], upToDate, superuser?, schema? }';

export function registerMigrate(program: Command, ctx: CommandContext): void {
  const migrate = jsonShape(
    program
      .command('migrate')
      .description(
        "Apply the store's pending migrations (creating a SQLite file if needed), printing each one.",
      )
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => apply(rt));
      }),
    `{ store, appliedNow: [{ version, name, checksum }], status: ${REPORT_JSON} }`,
  );
  jsonShape(
    migrate
      .command('status')
      .description(
        'Report applied, pending and drifted migrations without changing anything; exits 1 unless up to date.',
      )
      .action(async function (this: Command) {
        await ctx.run(this, (rt) => status(rt));
      }),
    `{ store, status: ${REPORT_JSON} }`,
  );
}

async function apply(rt: Runtime): Promise<CommandResult> {
  const opened = await rt.store('migrate');
  const before = await opened.status();
  const after = await opened.migrate();
  const appliedNow = before.pending.filter((p) => after.applied.some((a) => a.version === p.version));
  const lines = [
    `Store ${opened.location.display}`,
    ...appliedNow.map((m) => `applied ${migrationLabel(m)}  sha256 ${m.checksum.slice(0, 16)}…`),
    appliedNow.length === 0
      ? 'Nothing to apply: already up to date.'
      : `Applied ${appliedNow.length} migration(s).`,
  ];
  return {
    json: { store: opened.location.display, appliedNow, status: after },
    text: `${lines.join('\n')}\n`,
    exitCode: after.upToDate ? EXIT.ok : EXIT.failed,
  };
}

/** The migration table of a report, for transcripts. */
export function describeMigrations(report: MigrationReport): string {
  const rows = [
    ...report.applied.map((m) => {
      const drift = report.drift.find((d) => d.version === m.version);
      return [
        migrationLabel(m),
        drift === undefined ? 'applied' : `DRIFT (${drift.kind})`,
        m.appliedAt,
        m.checksum.slice(0, 16),
      ];
    }),
    ...report.pending.map((m) => [migrationLabel(m), 'pending', null, m.checksum.slice(0, 16)]),
  ];
  return table(['migration', 'state', 'applied at', 'sha256'], rows, '(no migrations)');
}

async function status(rt: Runtime): Promise<CommandResult> {
  const opened = await rt.store('inspect');
  const report = await opened.status();
  const verdict = report.upToDate
    ? 'Up to date.'
    : report.drift.some((d) => d.kind === 'changed')
      ? 'Drift: an applied migration file changed. Restore the shipped file; never edit an applied migration.'
      : `${report.pending.length} pending: run \`fedtrust migrate\`.`;
  return {
    json: { store: opened.location.display, status: report },
    text: `Store ${opened.location.display}\n${describeMigrations(report)}${verdict}\n`,
    exitCode: report.upToDate ? EXIT.ok : EXIT.failed,
  };
}
