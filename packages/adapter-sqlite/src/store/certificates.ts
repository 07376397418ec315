/**
 * Certificate bindings: which serials a peer may present.
 *
 * @module @fedtrust/adapter-sqlite
 */
import type { FederationStore } from '@fedtrust/core';
import type { Connection } from '../connection.js';
import { bindingFromRow, ms, msOrNull } from '../rows.js';

type CertificateMethods = Pick<
  FederationStore,
  'bindCertificate' | 'getCertificateBinding' | 'listCertificateBindings' | 'markCertificateRevoked'
>;

export function certificateMethods(c: Connection): CertificateMethods {
  return {
    bindCertificate: (binding) =>
      c.run('bindCertificate', () => {
        c.stmt(
          `INSERT INTO certificate_bindings (serial, peer_id, grant_id, not_before, not_after, revoked_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(
          binding.serial,
          binding.peerId,
          binding.grantId,
          ms(binding.notBefore),
          ms(binding.notAfter),
          msOrNull(binding.revokedAt),
        );
      }),

    getCertificateBinding: (serial) =>
      c.run('getCertificateBinding', () => {
        const row = c.stmt('SELECT * FROM certificate_bindings WHERE serial = ?').get(serial);
        return row === undefined ? null : bindingFromRow(row);
      }),

    listCertificateBindings: (filter = {}) =>
      c.run('listCertificateBindings', () =>
        c
          .stmt(
            `SELECT * FROM certificate_bindings WHERE (@peerId IS NULL OR peer_id = @peerId)
             ORDER BY not_before, serial`,
          )
          .all({ peerId: filter.peerId ?? null })
          .map(bindingFromRow),
      ),

    markCertificateRevoked: (serial, at) =>
      c.run(
        'markCertificateRevoked',
        () =>
          c
            .stmt('UPDATE certificate_bindings SET revoked_at = ? WHERE serial = ? AND revoked_at IS NULL')
            .run(ms(at), serial).changes === 1,
      ),
  };
}
