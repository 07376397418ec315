/**
 * How `grant revoke` and `peer revoke` report the certificates they revoked at the CA.
 *
 * @module @fedtrust/cli
 */
import type { CertificateRevocations } from '@fedtrust/core';
import { EXIT, type ExitCode } from '../output/exit-codes.js';

/** The `certificates` member of the `--json` document (core's report, field for field). */
export const CERTIFICATES_JSON =
  '{ revoked: [serial], pending: [{ serial, compensationId, error }], unrecorded: [{ serial | null, error }] }';

/**
 * Lines naming every serial revoked, pending or lost, and the exit code: 1 when any
 * certificate is still unrevoked at the CA (the grant or peer itself is revoked either way).
 * `null` is core's answer when it was given no CA; the commands always give one.
 */
export function certificateReport(certificates: CertificateRevocations | null): {
  text: string;
  exitCode: ExitCode;
} {
  if (certificates === null)
    return { text: 'Certificates were not revoked at the CA.\n', exitCode: EXIT.failed };
  const { revoked, pending, unrecorded } = certificates;
  const lines: string[] = [];
  if (revoked.length > 0) lines.push(`Revoked at the CA: ${revoked.join(', ')}.`);
  if (revoked.length + pending.length + unrecorded.length === 0) {
    lines.push('The peer holds no unexpired certificate to revoke at the CA.');
  }
  for (const p of pending) {
    lines.push(
      `Pending at the CA: ${p.serial} (${p.error}); recorded as compensation ${p.compensationId}, which the gateway's retryCompensations finishes.`,
    );
  }
  for (const u of unrecorded) {
    lines.push(
      `NOT revoked at the CA and not recorded for retry: ${u.serial ?? 'the certificates could not be listed'} (${u.error}); revoke it at the CA by hand.`,
    );
  }
  const complete = pending.length === 0 && unrecorded.length === 0;
  return { text: `${lines.join('\n')}\n`, exitCode: complete ? EXIT.ok : EXIT.failed };
}
