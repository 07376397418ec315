/**
 * Post-issuance verification, the same a careful client of a remote CA does: the local CA
 * never hands out a leaf it would not accept itself.
 *
 * @module @fedtrust/ca-local
 */
import 'reflect-metadata';
import type { Identity } from '@fedtrust/core';
import { CaError, readIdentity } from '@fedtrust/core';
import type * as x509 from '@peculiar/x509';
import type { CaKeys } from './ca-state.js';

/**
 * Throws `ca_verification_failed` unless `leaf` chains to the root through the intermediate and
 * carries each identity extension exactly once with exactly `identity`.
 */
export async function verifyIssued(
  leaf: x509.X509Certificate,
  keys: CaKeys,
  identity: Identity,
  arc: string,
) {
  const fail = (why: string, cause?: unknown): never => {
    throw new CaError(
      'ca_verification_failed',
      `The local CA produced a certificate it must not return: ${why}.`,
      {
        cause,
        details: { serial: leaf.serialNumber },
      },
    );
  };
  const { intermediate, root } = keys;
  if (!(await leaf.verify({ publicKey: intermediate.certificate.publicKey, signatureOnly: true }))) {
    fail('the leaf is not signed by the intermediate');
  }
  if (
    !(await intermediate.certificate.verify({ publicKey: root.certificate.publicKey, signatureOnly: true }))
  ) {
    fail('the intermediate is not signed by the root');
  }
  for (const oid of [`${arc}.1.1`, `${arc}.1.2`]) {
    if (leaf.extensions.filter((e) => e.type === oid).length !== 1)
      fail(`extension ${oid} is not present exactly once`);
  }
  let read: Identity;
  try {
    read = readIdentity(new Uint8Array(leaf.rawData), arc);
  } catch (error) {
    return fail('the identity extensions do not decode', error);
  }
  if (read.grantId !== identity.grantId || read.subjectUserId !== identity.subjectUserId) {
    fail('the identity extensions carry other values than requested');
  }
}
