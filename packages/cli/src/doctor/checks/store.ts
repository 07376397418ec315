/**
 * `doctor --check store`: reachable, migrated to this release's latest, no checksum drift,
 * and (Postgres) not connected as a superuser.
 *
 * @module @fedtrust/cli
 */
import { isChecksumMismatch, type MigrationDriftEntry, migrationLabel } from '../../compose/open-store.js';
import { type Check, type Finding, result } from '../types.js';

const DRIFT_FIX =
  'Restore the shipped migration file(s) listed (never edit an applied migration; add a new numbered file instead), then run doctor again.';

export const storeCheck: Check = async (rt) => {
  const location = rt.storeLocation();
  let opened: Awaited<ReturnType<typeof rt.store>>;
  try {
    opened = await rt.store('inspect');
  } catch (error) {
    if (isChecksumMismatch(error)) {
      const drift = ((error.details?.['drift'] as MigrationDriftEntry[] | undefined) ?? []).map(
        (d): Finding => ({
          status: 'fail',
          subject: migrationLabel(d),
          message: `applied with sha256 ${d.appliedChecksum.slice(0, 16)}…, the file now has ${d.fileChecksum?.slice(0, 16) ?? 'none'}…`,
        }),
      );
      return result('store', {
        status: 'fail',
        summary: `${location.display}: an applied migration no longer matches its file (checksum drift)`,
        remediation: DRIFT_FIX,
        findings: drift,
        details: { store: location.display, kind: location.kind },
      });
    }
    throw error;
  }
  const status = await opened.status();
  // The status alone reads only schema_migrations; one read of a real table proves the schema is usable.
  if (status.pending.length === 0) await opened.store.listAuditChains();
  const findings: Finding[] = [
    ...status.applied.map(
      (m): Finding => ({
        status: 'pass',
        subject: migrationLabel(m),
        message: `applied ${m.appliedAt?.toISOString() ?? ''}`.trim(),
      }),
    ),
    ...status.pending.map(
      (m): Finding => ({ status: 'fail', subject: migrationLabel(m), message: 'pending' }),
    ),
    ...status.drift.map(
      (d): Finding => ({
        status: d.kind === 'changed' ? 'fail' : 'warn',
        subject: migrationLabel(d),
        message:
          d.kind === 'changed'
            ? `applied with sha256 ${d.appliedChecksum.slice(0, 16)}…, the file now has ${d.fileChecksum?.slice(0, 16)}…`
            : 'applied by a newer release; this release does not ship it',
      }),
    ),
  ];
  if (status.superuser === true) {
    findings.push({
      status: 'warn',
      subject: 'role',
      message: 'connected as a Postgres superuser',
    });
  }
  const changed = status.drift.some((d) => d.kind === 'changed');
  const latest = [...status.applied].sort((a, b) => b.version - a.version)[0];
  const summary = changed
    ? `${location.display}: checksum drift in applied migrations`
    : status.pending.length > 0
      ? `${location.display}: ${status.pending.length} migration(s) pending, below this release's floor`
      : `${location.display}: reachable, ${status.applied.length} migration(s) applied up to ${latest === undefined ? '-' : migrationLabel(latest)}, no drift`;
  const remediation = changed
    ? DRIFT_FIX
    : status.pending.length > 0
      ? 'Run `fedtrust migrate` against this store, then run doctor again.'
      : status.superuser === true
        ? 'Connect with a least-privilege role that owns the fedtrust schema (not a superuser).'
        : 'A newer release applied migrations this one does not ship: upgrade this gateway to that release.';
  return result('store', {
    summary,
    remediation,
    findings,
    details: {
      store: location.display,
      kind: location.kind,
      applied: status.applied.length,
      pending: status.pending.length,
      drift: status.drift,
      ...(status.superuser === undefined ? {} : { superuser: status.superuser }),
      ...(status.schema === undefined ? {} : { schema: status.schema }),
    },
  });
};
