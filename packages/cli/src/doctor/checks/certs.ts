/**
 * `doctor --check certs`: days until expiry of the server certificate and of each peer's
 * current client certificate; warn inside the last third of the lifetime, fail once expired.
 *
 * @module @fedtrust/cli
 */
import { X509Certificate } from 'node:crypto';
import { readTextFile } from '../../compose/read-file.js';
import { UsageError } from '../../output/exit-codes.js';
import { type Check, type CheckStatus, type Finding, result } from '../types.js';

const DAY_MS = 86_400_000;

/**
 * Where a validity window stands at `now`: fail when expired or not valid yet (TLS refuses
 * both), warn inside the last third of its lifetime.
 */
export function expiryStatus(
  notBefore: Date,
  notAfter: Date,
  now: Date,
): { status: CheckStatus; daysLeft: number; notYetValid: boolean } {
  const left = notAfter.getTime() - now.getTime();
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const daysLeft = Math.floor(left / DAY_MS);
  const notYetValid = now.getTime() < notBefore.getTime();
  if (left <= 0 || notYetValid) return { status: 'fail', daysLeft, notYetValid };
  return { status: left < lifetime / 3 ? 'warn' : 'pass', daysLeft, notYetValid };
}

function describe(
  subject: string,
  window: { notBefore: Date; notAfter: Date },
  state: { status: CheckStatus; daysLeft: number; notYetValid: boolean },
): Finding {
  const { status, daysLeft } = state;
  const at = window.notAfter.toISOString();
  const message = state.notYetValid
    ? `NOT VALID YET: valid from ${window.notBefore.toISOString()}`
    : status === 'fail'
      ? `EXPIRED ${at} (${-daysLeft} day(s) ago)`
      : `${daysLeft} day(s) left, until ${at}${status === 'warn' ? ' (inside the last third of its lifetime)' : ''}`;
  return { status, subject, message };
}

export const certsCheck: Check = async (rt, options) => {
  const now = rt.clock.now();
  const findings: Finding[] = [];
  const certificates: Record<string, unknown>[] = [];
  if (options.serverCert !== undefined) {
    const pem = readTextFile(options.serverCert, rt.io.cwd, '--server-cert');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      throw new UsageError(
        'certificate_invalid',
        `--server-cert ${options.serverCert} is not a PEM certificate.`,
        "Pass the gateway's TLS server certificate (PEM, leaf first).",
      );
    }
    const notBefore = new Date(cert.validFrom);
    const notAfter = new Date(cert.validTo);
    const state = expiryStatus(notBefore, notAfter, now);
    const { status, daysLeft } = state;
    findings.push(describe('server certificate', { notBefore, notAfter }, state));
    certificates.push({
      kind: 'server',
      subject: cert.subject,
      serial: cert.serialNumber.toLowerCase(),
      notBefore,
      notAfter,
      daysLeft,
      status,
    });
  }
  const { store } = await rt.store('inspect');
  const peers = (await store.listPeers()).filter((p) => p.status === 'active' || p.status === 'suspended');
  for (const peer of peers) {
    const current = (await store.listCertificateBindings({ peerId: peer.id }))
      .filter((b) => b.revokedAt === null)
      .sort((a, b) => b.notAfter.getTime() - a.notAfter.getTime())[0];
    if (current === undefined) {
      findings.push({
        status: 'warn',
        subject: `peer ${peer.name}`,
        message: `${peer.status} but no unrevoked certificate is bound`,
      });
      continue;
    }
    const state = expiryStatus(current.notBefore, current.notAfter, now);
    const { status, daysLeft } = state;
    findings.push(describe(`peer ${peer.name} (${current.serial})`, current, state));
    certificates.push({
      kind: 'peer',
      peerId: peer.id,
      subject: peer.name,
      serial: current.serial,
      notBefore: current.notBefore,
      notAfter: current.notAfter,
      daysLeft,
      status,
    });
  }
  if (findings.length === 0) {
    return result('certs', {
      status: 'warn',
      summary: 'no certificate to check: no --server-cert and no enrolled peer',
      remediation: "Pass the gateway's server certificate with --server-cert (or FEDTRUST_SERVER_CERT).",
      details: { certificates },
    });
  }
  // Peers alone must not make the check pass: the server certificate was not looked at.
  if (options.serverCert === undefined) {
    findings.unshift({
      status: 'warn',
      subject: 'server certificate',
      message: 'not checked: no --server-cert given',
    });
  }
  const failing = findings.filter((f) => f.status !== 'pass');
  const expired = findings.some((f) => f.status === 'fail');
  const serverUnchecked = options.serverCert === undefined;
  return result('certs', {
    summary:
      failing.length === 0
        ? `${findings.length} certificate(s), none inside the last third of its lifetime`
        : failing.map((f) => `${f.subject}: ${f.message}`).join('; '),
    remediation: expired
      ? 'Renew or reissue the expired certificate now (peers: renew before expiry or enrol again with a new token; server: issue a new server certificate) and reload the gateway; a certificate not valid yet was issued by a clock running ahead: fix the clock, then reissue it.'
      : serverUnchecked && failing.length === 1
        ? "Pass the gateway's server certificate with --server-cert (or FEDTRUST_SERVER_CERT) so its expiry is checked too."
        : 'Renew the listed certificate(s) before they expire; peers renew automatically when their client runs, so check the ones that did not (and pass --server-cert if it was not checked).',
    findings,
    details: { certificates },
  });
};
