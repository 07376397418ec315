/**
 * The configured CA as `grant revoke` and `peer revoke` hand it to core: opened only when
 * a certificate is actually revoked, so a revocation is never blocked by CA settings.
 *
 * @module @fedtrust/cli
 */
import { type CertificateAuthority, FedtrustError } from '@fedtrust/core';
import type { Runtime } from './runtime.js';

/**
 * A `CertificateAuthority` that opens the run's CA (`--ca`, default local) on its first
 * call. Core revokes the grant or peer before calling it, so a CA that cannot be opened —
 * missing seal keys, a Step-CA setting left out — fails each certificate's revocation,
 * which core records as pending for `retryCompensations`, instead of failing the command.
 * A local CA is refused when the store holds no keys under its name: that CA issued none
 * of the certificates, and revoking there would report a revocation the gateway's real CA
 * never made.
 */
export function revocationCa(rt: Runtime): CertificateAuthority {
  let opened: Promise<CertificateAuthority> | undefined;
  const open = (): Promise<CertificateAuthority> => {
    opened ??= openIssuingCa(rt);
    return opened;
  };
  return {
    issue: async (request) => (await open()).issue(request),
    renew: async (request) => (await open()).renew(request),
    revoke: async (request) => (await open()).revoke(request),
    roots: async () => (await open()).roots(),
    health: async () => (await open()).health(),
  };
}

async function openIssuingCa(rt: Runtime): Promise<CertificateAuthority> {
  const opened = await rt.ca();
  if (opened.kind === 'stepca') return opened.ca;
  const { store } = await rt.store();
  if ((await store.getSealed(`ca:${opened.name}:root`)) === null) {
    throw new FedtrustError(
      'ca_not_issuer',
      `The store holds no local CA named ${opened.name}, so it issued none of these certificates.`,
      {
        status: 409,
        remediation:
          'Pass the CA the gateway issues with (--ca and its settings, or --ca-name); the gateway can also finish the pending revocations with retryCompensations.',
      },
    );
  }
  return opened.ca;
}
