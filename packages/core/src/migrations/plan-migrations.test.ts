import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFedtrustError } from '../errors/fedtrust-error.js';
import { MigrationError, migrationFailed } from './migration-error.js';
import { planMigrations, refuseChangedMigrations } from './plan-migrations.js';
import type { AppliedMigration, LoadedMigration } from './types.js';

const file = (version: number, checksum = `c${version}`): LoadedMigration => ({
  version,
  name: `m${version}`,
  checksum,
  sql: `SELECT ${version};`,
});
const applied = (version: number, checksum = `c${version}`): AppliedMigration => ({
  version,
  name: `m${version}`,
  checksum,
  appliedAt: new Date(0),
});

function refusal(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('planMigrations', () => {
  it('a fresh store has every file pending, to apply lowest version first', () => {
    const plan = planMigrations([file(2), file(1)], []);
    expect(plan.toApply.map((f) => f.sql)).toEqual(['SELECT 1;', 'SELECT 2;']);
    expect(plan.status).toEqual({
      applied: [],
      pending: [
        { version: 1, name: 'm1', checksum: 'c1' },
        { version: 2, name: 'm2', checksum: 'c2' },
      ],
      drift: [],
      upToDate: false,
    });
  });

  it('a store with every file applied unchanged is up to date and applies nothing', () => {
    const plan = planMigrations([file(1), file(2)], [applied(1), applied(2)]);
    expect(plan.toApply).toEqual([]);
    expect(plan.status.upToDate).toBe(true);
    expect(plan.status.applied.map((a) => a.version)).toEqual([1, 2]);
  });

  it("reports a changed file as 'changed' drift and a file-less applied row as 'unknown' drift", () => {
    const plan = planMigrations([file(1, 'edited'), file(3)], [applied(1), applied(2)]);
    expect(plan.status.drift).toEqual([
      { version: 1, name: 'm1', kind: 'changed', appliedChecksum: 'c1', fileChecksum: 'edited' },
      { version: 2, name: 'm2', kind: 'unknown', appliedChecksum: 'c2', fileChecksum: null },
    ]);
    expect(plan.status.pending.map((p) => p.version)).toEqual([3]);
    expect(plan.status.upToDate).toBe(false);
  });

  it('unknown drift alone is not up to date but does not refuse to start', () => {
    const plan = planMigrations([file(1)], [applied(1), applied(2)]);
    expect(plan.status.upToDate).toBe(false);
    expect(refusal(() => refuseChangedMigrations(plan.status))).toBeUndefined();
  });

  // Version sets drawn from a small range so applied and shipped sets overlap often.
  const versions = fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 12 });

  it('for any applied and shipped sets without drift, pending ∪ applied versions = file versions, disjointly', () => {
    fc.assert(
      fc.property(versions, fc.func(fc.boolean()), (fileVersions, isApplied) => {
        const files = fileVersions.map((v) => file(v));
        const rows = fileVersions.filter((v) => isApplied(v)).map((v) => applied(v));
        const { status, toApply } = planMigrations(files, rows);
        expect(status.drift).toEqual([]);
        const pending = status.pending.map((p) => p.version);
        const done = status.applied.map((a) => a.version);
        expect(pending.filter((v) => done.includes(v))).toEqual([]);
        expect([...pending, ...done].sort((a, b) => a - b)).toEqual([...fileVersions].sort((a, b) => a - b));
        expect(toApply.map((f) => f.version)).toEqual(pending);
        expect(status.upToDate).toBe(pending.length === 0);
      }),
    );
  });

  it('for any applied and shipped sets, a changed checksum is always reported as drift and refuses to start', () => {
    fc.assert(
      fc.property(versions, versions, fc.func(fc.boolean()), (fileVersions, appliedVersions, edited) => {
        const files = fileVersions.map((v) => file(v, edited(v) ? `edited${v}` : `c${v}`));
        const rows = appliedVersions.map((v) => applied(v));
        const { status } = planMigrations(files, rows);
        const changed = appliedVersions.filter((v) => fileVersions.includes(v) && edited(v));
        const unknown = appliedVersions.filter((v) => !fileVersions.includes(v));
        expect(status.drift.filter((d) => d.kind === 'changed').map((d) => d.version)).toEqual(changed);
        expect(status.drift.filter((d) => d.kind === 'unknown').map((d) => d.version)).toEqual(unknown);
        const error = refusal(() => refuseChangedMigrations(status));
        if (changed.length === 0) expect(error).toBeUndefined();
        else expect(isFedtrustError(error) && error.code).toBe('migration_checksum_mismatch');
      }),
    );
  });
});

describe('refuseChangedMigrations', () => {
  it('names every changed migration and the schema, with the drift in details and a remediation', () => {
    const { status } = planMigrations([file(1, 'x'), file(12, 'y')], [applied(1), applied(12)]);
    const error = refusal(() => refuseChangedMigrations(status, { schema: 'tenant_a' }));
    expect(error).toBeInstanceOf(MigrationError);
    const e = error as MigrationError;
    expect(e).toMatchObject({ code: 'migration_checksum_mismatch', status: 500, name: 'MigrationError' });
    expect(e.message).toBe(
      'Applied migration 0001_m1, 0012_m12 in schema tenant_a no longer matches its file; refusing to start.',
    );
    expect(e.details).toEqual({ schema: 'tenant_a', drift: status.drift });
    expect(e.remediation).toMatch(/new numbered file/);
  });

  it('without a schema the message and details leave it out', () => {
    const { status } = planMigrations([file(1, 'x')], [applied(1)]);
    const e = refusal(() => refuseChangedMigrations(status)) as MigrationError;
    expect(e.message).toBe('Applied migration 0001_m1 no longer matches its file; refusing to start.');
    expect(e.details).toEqual({ drift: status.drift });
  });
});

describe('MigrationError', () => {
  it('migrationFailed keeps the cause, the version and the caller details', () => {
    const cause = new Error('relation "no_such_table" does not exist');
    const e = migrationFailed(file(3), cause, { schema: 's' });
    expect(e).toMatchObject({ code: 'migration_failed', status: 500, cause });
    expect(e.message).toBe('Migration 0003_m3 failed: relation "no_such_table" does not exist');
    expect(e.details).toEqual({ schema: 's', version: 3 });
    expect(e.remediation).toMatch(/nothing was applied/);
  });

  it('an adapter-specific code carries the remediation the adapter gives', () => {
    const e = new MigrationError('pg_schema_invalid', 'bad schema', {
      remediation: 'Use a plain identifier.',
    });
    expect(e).toBeInstanceOf(MigrationError);
    expect(e).toMatchObject({
      code: 'pg_schema_invalid',
      status: 500,
      remediation: 'Use a plain identifier.',
    });
  });
});
