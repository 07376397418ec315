/**
 * What a doctor check reports.
 *
 * @module @fedtrust/cli
 */
import type { Runtime } from '../compose/runtime.js';

/** Every check, in the order doctor runs them. */
export const CHECK_NAMES = ['store', 'sealing', 'ca', 'clock', 'certs', 'tokens', 'audit'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** `fail` makes doctor exit 1; `warn` is printed but does not. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One thing a check looked at (a migration, a sealed record, a certificate, a clock). */
export interface Finding {
  status: CheckStatus;
  subject: string;
  message: string;
}

/** A check's verdict. `remediation` is set whenever `status` is not `pass`. */
export interface CheckResult {
  name: CheckName;
  status: CheckStatus;
  summary: string;
  remediation: string | null;
  findings: Finding[];
  details: Record<string, unknown>;
}

/** Doctor-only settings, from flags and environment. */
export interface DoctorOptions {
  serverCert: string | undefined;
  peerUrls: string[];
  peerCa: string | undefined;
  clockThresholdSeconds: number;
  /** Added to this host's clock before comparing (rehearsing skew); 0 in production. */
  clockOffsetSeconds: number;
  requireProviderTokens: boolean;
  sessionsFile: string | undefined;
}

export type Check = (rt: Runtime, options: DoctorOptions) => Promise<CheckResult>;

/** The worst of some statuses. */
export function worst(statuses: readonly CheckStatus[]): CheckStatus {
  if (statuses.includes('fail')) return 'fail';
  if (statuses.includes('warn')) return 'warn';
  return 'pass';
}

/** Builds a result whose status is the worst of its findings unless given. */
export function result(
  name: CheckName,
  parts: {
    status?: CheckStatus;
    summary: string;
    remediation?: string | null;
    findings?: Finding[];
    details?: Record<string, unknown>;
  },
): CheckResult {
  const findings = parts.findings ?? [];
  const status = parts.status ?? worst(findings.map((f) => f.status));
  return {
    name,
    status,
    summary: parts.summary,
    remediation: status === 'pass' ? null : (parts.remediation ?? null),
    findings,
    details: parts.details ?? {},
  };
}
