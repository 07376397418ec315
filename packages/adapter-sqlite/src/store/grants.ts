/**
 * Grants and peers. Every status change is one `UPDATE … WHERE status IN (…) RETURNING`,
 * so two racing operators can never both move a record.
 *
 * @module @fedtrust/adapter-sqlite
 */
import type { FederationStore, Grant, Peer } from '@fedtrust/core';
import type { Connection } from '../connection.js';
import { grantFromRow, ms, msOrNull, peerFromRow } from '../rows.js';

type GrantMethods = Pick<
  FederationStore,
  'createGrant' | 'getGrant' | 'listGrants' | 'transitionGrant' | 'getPeer' | 'listPeers' | 'transitionPeer'
>;

export function grantMethods(c: Connection): GrantMethods {
  // The peer goes first: grants.peer_id references it. Both rows commit or neither does.
  const createGrant = c.db.transaction((grant: Grant, peer: Peer) => {
    c.stmt(
      `INSERT INTO peers (id, name, tenant_id, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(peer.id, peer.name, peer.tenantId, peer.status, ms(peer.createdAt), ms(peer.updatedAt));
    c.stmt(
      `INSERT INTO grants (id, tenant_id, peer_id, subject_user_id, scope, status, created_at, activated_at,
         revoked_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      grant.id,
      grant.tenantId,
      grant.peerId,
      grant.subjectUserId,
      JSON.stringify(grant.scope),
      grant.status,
      ms(grant.createdAt),
      msOrNull(grant.activatedAt),
      msOrNull(grant.revokedAt),
      msOrNull(grant.expiresAt),
    );
  });

  return {
    createGrant: (grant, peer) => c.run('createGrant', () => createGrant.immediate(grant, peer)),

    getGrant: (id) =>
      c.run('getGrant', () => {
        const row = c.stmt('SELECT * FROM grants WHERE id = ?').get(id);
        return row === undefined ? null : grantFromRow(row);
      }),

    listGrants: (filter = {}) =>
      c.run('listGrants', () =>
        c
          .stmt(
            `SELECT * FROM grants
             WHERE (@tenantId IS NULL OR tenant_id = @tenantId) AND (@peerId IS NULL OR peer_id = @peerId)
               AND (@status IS NULL OR status = @status)
             ORDER BY created_at, id`,
          )
          .all({
            tenantId: filter.tenantId ?? null,
            peerId: filter.peerId ?? null,
            status: filter.status ?? null,
          })
          .map(grantFromRow),
      ),

    transitionGrant: (id, from, to, at) =>
      c.run('transitionGrant', () => {
        const row = c
          .stmt(
            `UPDATE grants
             SET status = @to,
                 activated_at = CASE WHEN @to = 'active' THEN @at ELSE activated_at END,
                 revoked_at = CASE WHEN @to = 'revoked' THEN @at ELSE revoked_at END
             WHERE id = @id AND status IN (SELECT value FROM json_each(@from))
             RETURNING *`,
          )
          .get({ id, from: JSON.stringify(from), to, at: ms(at) });
        return row === undefined ? null : grantFromRow(row);
      }),

    getPeer: (id) =>
      c.run('getPeer', () => {
        const row = c.stmt('SELECT * FROM peers WHERE id = ?').get(id);
        return row === undefined ? null : peerFromRow(row);
      }),

    listPeers: (filter = {}) =>
      c.run('listPeers', () =>
        c
          .stmt(
            `SELECT * FROM peers
             WHERE (@tenantId IS NULL OR tenant_id = @tenantId) AND (@status IS NULL OR status = @status)
             ORDER BY created_at, id`,
          )
          .all({ tenantId: filter.tenantId ?? null, status: filter.status ?? null })
          .map(peerFromRow),
      ),

    transitionPeer: (id, from, to, at) =>
      c.run('transitionPeer', () => {
        const row = c
          .stmt(
            `UPDATE peers SET status = @to, updated_at = @at
             WHERE id = @id AND status IN (SELECT value FROM json_each(@from))
             RETURNING *`,
          )
          .get({ id, from: JSON.stringify(from), to, at: ms(at) });
        return row === undefined ? null : peerFromRow(row);
      }),
  };
}
