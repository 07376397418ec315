/**
 * `doctor --check ca`: the CA is reachable, its root is the pinned one, and (Step-CA) the
 * provisioner template refuses a token without the identity claims.
 *
 * @module @fedtrust/cli
 */
import { X509Certificate } from 'node:crypto';
import { isFedtrustError } from '@fedtrust/core';
import { type Check, type CheckResult, type Finding, result } from '../types.js';

/** Lower-case hex SHA-256 of a PEM certificate's DER, as `StepCa.rootFingerprint` gives it. */
export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
}

/** Where ca-local keeps its sealed keys: `ca:<name>:root` and `ca:<name>:intermediate`. */
const LOCAL_RECORD = /^ca:(.+):(root|intermediate)$/;

/**
 * The local CA's records, looked at before anything opens them: ca-local creates whichever
 * key is missing on first use, so calling it on a store that lost one would write a new key
 * into the store doctor only inspects and then report the replacement as healthy.
 */
async function localCaRecords(
  rt: Parameters<Check>[0],
  name: string,
  pinned: string | null,
): Promise<CheckResult | null> {
  const { store } = await rt.store('inspect');
  const ids = (await store.listSealed()).map((r) => r.id);
  const root = `ca:${name}:root`;
  const intermediate = `ca:${name}:intermediate`;
  const held = [root, intermediate].filter((id) => ids.includes(id));
  if (held.length === 1) {
    const lost = held[0] === root ? intermediate : root;
    return result('ca', {
      status: 'fail',
      summary: `local CA ${name}: the sealed record ${lost} is missing (only ${held[0]} is in the store)`,
      remediation: `Restore ${lost} from a backup of the store; the CA would otherwise create a new key whose chain no enrolled peer or pinned root matches.`,
      details: { kind: 'local', name, pinnedFingerprint: pinned, records: held },
    });
  }
  if (held.length === 2) return null;
  const others = [
    ...new Set(ids.flatMap((id) => LOCAL_RECORD.exec(id)?.[1] ?? []).filter((n) => n !== name)),
  ];
  if (others.length > 0) {
    return result('ca', {
      status: 'fail',
      summary: `no local CA named ${name} in the store; it holds ${others.join(', ')}`,
      remediation: `Name the gateway's local CA: --ca-name ${others[0]} (or FEDTRUST_CA_NAME).`,
      details: { kind: 'local', name, pinnedFingerprint: pinned, found: others },
    });
  }
  if (pinned !== null) {
    return result('ca', {
      status: 'fail',
      summary: `local CA ${name}: a root is pinned (${pinned.slice(0, 16)}…) but the store holds no CA keys`,
      remediation:
        "Point --store at the gateway's store (or restore its ca:* records); the first enrollment here would create a new root that does not match --ca-root.",
      details: { kind: 'local', name, pinnedFingerprint: pinned },
    });
  }
  return result('ca', {
    status: 'warn',
    summary: `local CA ${name}: no keys yet (they are created at the first enrollment)`,
    remediation: 'Enrol a first peer (or start the gateway once), then pin the root with --ca-root.',
    details: { kind: 'local', name, pinnedFingerprint: pinned },
  });
}

export const caCheck: Check = async (rt) => {
  const opened = await rt.ca('inspect');
  const findings: Finding[] = [];
  const pinned = opened.pinnedRootPem === null ? null : fingerprintOf(opened.pinnedRootPem);

  if (opened.kind === 'local') {
    const early = await localCaRecords(rt, opened.name, pinned);
    if (early !== null) return early;
  }

  const health = await opened.ca.health();
  if (!health.ok) {
    return result('ca', {
      status: 'fail',
      summary: `${opened.url ?? 'local CA'} is not reachable: ${health.detail ?? 'unhealthy'}`,
      remediation:
        opened.kind === 'stepca'
          ? (await import('@fedtrust/ca-stepca')).STEP_CA_ERRORS.ca_unreachable.remediation
          : 'Check the local CA records in the store and the sealing keys.',
      details: { kind: opened.kind, url: opened.url },
    });
  }
  findings.push({ status: 'pass', subject: 'health', message: 'reachable and healthy' });

  let served: string;
  try {
    const roots = await opened.ca.roots();
    served = fingerprintOf(roots[0] as string);
  } catch (error) {
    return result('ca', {
      status: 'fail',
      summary: `the CA's roots do not include the pinned root: ${(error as Error).message}`,
      remediation: isFedtrustError(error)
        ? error.remediation
        : 'Check --ca-root against the CA root certificate.',
      findings,
      details: { kind: opened.kind, url: opened.url, pinnedFingerprint: pinned },
    });
  }
  if (pinned === null) {
    findings.push({
      status: 'warn',
      subject: 'root',
      message: `no root pinned; the CA serves ${served.slice(0, 16)}…`,
    });
  } else if (pinned !== served) {
    findings.push({
      status: 'fail',
      subject: 'root',
      message: `the CA serves root ${served.slice(0, 16)}…, the pinned root is ${pinned.slice(0, 16)}…`,
    });
  } else {
    findings.push({
      status: 'pass',
      subject: 'root',
      message: `matches the pinned fingerprint ${pinned.slice(0, 16)}…`,
    });
  }

  if (opened.kind === 'stepca') {
    try {
      const probe = await opened.ca.probeTemplateGuards();
      findings.push(
        probe.refusedByGuard
          ? {
              status: 'pass',
              subject: 'template',
              message: `refused a token without the grant-id claim (${probe.caMessage})`,
            }
          : probe.refused
            ? {
                status: 'fail',
                subject: 'template',
                message: `refused the probe, but not by the fedtrust guard: ${probe.caStatus} ${probe.caMessage}`,
              }
            : {
                status: 'fail',
                subject: 'template',
                message: 'ISSUED a certificate for a token without the grant-id claim',
              },
      );
    } catch (error) {
      findings.push({
        status: 'fail',
        subject: 'template',
        message: `the probe issuance could not run: ${isFedtrustError(error) ? `${error.code}: ` : ''}${(error as Error).message}`,
      });
    }
  }

  const failing = findings.filter((f) => f.status !== 'pass');
  const rootFailed = failing.some((f) => f.subject === 'root' && f.status === 'fail');
  const templateFailed = failing.some((f) => f.subject === 'template');
  const remediation = rootFailed
    ? 'Pin the root the CA actually serves (--ca-root), or point --ca at the CA whose root you pinned.'
    : templateFailed
      ? "Configure the provisioner's x509 template with templateFor(arc) from @fedtrust/ca-stepca, so a token without the identity claims is refused; check the provisioner name and password."
      : 'Pin the CA root with --ca-root (or FEDTRUST_CA_ROOT) so peers and doctor verify it.';
  return result('ca', {
    summary:
      failing.length === 0
        ? `${opened.url ?? 'local CA'}: reachable, root pinned and matching${opened.kind === 'stepca' ? ', template refuses a token without identity claims' : ''}`
        : `${opened.url ?? 'local CA'}: ${failing.map((f) => f.message).join('; ')}`,
    remediation,
    findings,
    details: { kind: opened.kind, url: opened.url, pinnedFingerprint: pinned, servedFingerprint: served },
  });
};
