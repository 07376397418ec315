/**
 * Runs the selected doctor checks in order; a check that throws is a failure carrying the
 * error's own remediation, never a crash and never a pass.
 *
 * @module @fedtrust/cli
 */
import { isFedtrustError } from '@fedtrust/core';
import type { Runtime } from '../compose/runtime.js';
import { auditCheck } from './checks/audit.js';
import { caCheck } from './checks/ca.js';
import { certsCheck } from './checks/certs.js';
import { clockCheck } from './checks/clock.js';
import { sealingCheck } from './checks/sealing.js';
import { storeCheck } from './checks/store.js';
import { tokensCheck } from './checks/tokens.js';
import { type Check, type CheckName, type CheckResult, type DoctorOptions, result, worst } from './types.js';

const CHECKS: Record<CheckName, Check> = {
  store: storeCheck,
  sealing: sealingCheck,
  ca: caCheck,
  clock: clockCheck,
  certs: certsCheck,
  tokens: tokensCheck,
  audit: auditCheck,
};

/** What `doctor --json` prints. `ok` is false when any check failed; warnings keep it true. */
export interface DoctorReport {
  ok: boolean;
  status: 'pass' | 'warn' | 'fail';
  checks: CheckResult[];
}

export async function runDoctor(
  rt: Runtime,
  names: readonly CheckName[],
  options: DoctorOptions,
): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  for (const name of names) {
    try {
      checks.push(await CHECKS[name](rt, options));
    } catch (error) {
      checks.push(
        result(name, {
          status: 'fail',
          summary: `could not run: ${isFedtrustError(error) ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)}`,
          remediation: isFedtrustError(error)
            ? error.remediation
            : 'Report this as a fedtrust bug with the check name and message.',
        }),
      );
    }
  }
  const status = worst(checks.map((c) => c.status));
  return { ok: status !== 'fail', status, checks };
}
