/**
 * The migration rule: what is applied, what is pending, what drifted, and whether the
 * store may start.
 *
 * @module @fedtrust/core/migrations
 */
import { MigrationError, migrationLabel } from './migration-error.js';
import type {
  AppliedMigration,
  MigrationDrift,
  MigrationFile,
  MigrationPlan,
  MigrationStatus,
} from './types.js';

/**
 * Compares the shipped files with the applied rows. An applied version whose file's
 * checksum differs is `changed` drift; an applied version with no file here (a newer
 * release applied it) is `unknown` drift; a file with no applied row is pending. Pure and
 * read-only: refusing to start is {@link refuseChangedMigrations}'s decision.
 */
export function planMigrations<F extends MigrationFile>(
  files: readonly F[],
  applied: readonly AppliedMigration[],
): MigrationPlan<F> {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  const appliedVersions = new Set(applied.map((a) => a.version));
  const drift: MigrationDrift[] = [];
  for (const a of applied) {
    const file = byVersion.get(a.version);
    if (file === undefined) {
      drift.push({
        version: a.version,
        name: a.name,
        kind: 'unknown',
        appliedChecksum: a.checksum,
        fileChecksum: null,
      });
    } else if (file.checksum !== a.checksum) {
      drift.push({
        version: a.version,
        name: a.name,
        kind: 'changed',
        appliedChecksum: a.checksum,
        fileChecksum: file.checksum,
      });
    }
  }
  const toApply = files.filter((f) => !appliedVersions.has(f.version)).sort((a, b) => a.version - b.version);
  const status: MigrationStatus = {
    applied: [...applied],
    pending: toApply.map(({ version, name, checksum }) => ({ version, name, checksum })),
    drift,
    upToDate: toApply.length === 0 && drift.length === 0,
  };
  return { status, toApply };
}

/**
 * Throws `migration_checksum_mismatch` when an applied migration's file changed: a store
 * whose schema no longer matches its files must not serve (fail closed), and nothing may
 * be applied on top of it. `unknown` drift (a newer release ran first) is allowed; the
 * caller decides whether to warn. `where.schema`, when given, is named in the message.
 */
export function refuseChangedMigrations(
  status: Pick<MigrationStatus, 'drift'>,
  where: { schema?: string } = {},
): void {
  const changed = status.drift.filter((d) => d.kind === 'changed');
  if (changed.length === 0) return;
  const list = changed.map(migrationLabel).join(', ');
  const inSchema = where.schema === undefined ? '' : ` in schema ${where.schema}`;
  throw new MigrationError(
    'migration_checksum_mismatch',
    `Applied migration ${list}${inSchema} no longer matches its file; refusing to start.`,
    { details: { ...(where.schema === undefined ? {} : { schema: where.schema }), drift: changed } },
  );
}
